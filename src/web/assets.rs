//! The stylesheet and the Chinese font, served from the binary: the street office may have
//! no internet, so nothing comes from a CDN.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::Routes;

const STYLE: &str = include_str!("../../assets/style.css");

pub fn router() -> Routes {
    Routes::new()
        .route("/assets/style.css", get(style))
        .route("/assets/font.otf", get(font))
        .route("/favicon.ico", get(favicon))
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLE,
    )
}

async fn font() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "font/otf"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        crate::render::FONT,
    )
}

/// 烟 in the bar's colour: browsers ask for it on every first visit.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#b5472b\"/><text x=\"16\" y=\"24\" font-size=\"22\" text-anchor=\"middle\" fill=\"#fff\">烟</text></svg>";

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}
