//! The stylesheet, the Chinese font and the SQL editor, served from the binary: the street
//! office may have no internet, so nothing comes from a CDN.
//!
//! Pages link the stylesheet and the scripts under addresses holding a digest of their
//! bytes (worked out once, at the first page), and the font's slices are named by theirs (`assets/fonts/slice.py`):
//! each is cached for a year and never asked for again; a new build links new addresses.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::Routes;
use super::font_slices::SLICES;

/// The font's `@font-face` slices, then the site's rules.
const STYLE: &str = concat!(
    include_str!("../../../assets/fonts/slices.css"),
    include_str!("../../../assets/style.css")
);

/// The SQL console's editor (CodeMirror 6, `assets/editor/`).
const EDITOR: &str = include_str!("../../../assets/vendor/sql-editor.min.js");

/// The console's own script: loads the editor when the planner reaches for it.
const CONSOLE: &str = include_str!("../../../assets/sql-console.js");

/// `/assets/STEM.DIGEST.EXT`: 12 hex digits of the bytes' SHA-256.
fn address(stem: &str, ext: &str, bytes: &str) -> String {
    let digest = Sha256::digest(bytes.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/assets/{stem}.{hex}.{ext}")
}

static STYLE_HREF: LazyLock<String> = LazyLock::new(|| address("style", "css", STYLE));
static EDITOR_HREF: LazyLock<String> = LazyLock::new(|| address("sql-editor", "min.js", EDITOR));
static CONSOLE_HREF: LazyLock<String> = LazyLock::new(|| address("sql-console", "js", CONSOLE));

/// Where pages link the stylesheet.
pub fn style_href() -> &'static str {
    &STYLE_HREF
}

/// Where the console's script finds the editor.
pub fn editor_href() -> &'static str {
    &EDITOR_HREF
}

/// Where the console links its script.
pub fn console_href() -> &'static str {
    &CONSOLE_HREF
}

/// A year, and never revalidated: the address changes with the bytes.
const FOREVER: &str = "public, max-age=31536000, immutable";

pub fn router() -> Routes {
    Routes::new()
        .route(style_href(), get(style))
        // The stylesheet's plain address, for pages saved or linked before the digest.
        .route("/assets/style.css", get(style_plain))
        .route(editor_href(), get(editor))
        .route(console_href(), get(console))
        .route("/assets/fonts/{file}", get(font_slice))
        .route("/assets/font.otf", get(font))
        .route("/favicon.ico", get(favicon))
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, FOREVER),
        ],
        STYLE,
    )
}

async fn style_plain() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLE,
    )
}

async fn editor() -> impl IntoResponse {
    script(EDITOR)
}

async fn console() -> impl IntoResponse {
    script(CONSOLE)
}

fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, FOREVER),
        ],
        body,
    )
}

/// One WOFF2 slice of the built-in font, by its content-hashed name.
async fn font_slice(Path(file): Path<String>) -> Response {
    match SLICES.iter().find(|(name, _)| *name == file) {
        Some((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "font/woff2"),
                (header::CACHE_CONTROL, FOREVER),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such font slice").into_response(),
    }
}

/// The whole font, as PNG charts draw with it.
async fn font() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "font/otf"),
            (header::CACHE_CONTROL, FOREVER),
        ],
        crate::figures::render::FONT,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slice_the_stylesheet_names_is_served_and_every_served_slice_is_named() {
        let named: Vec<&str> = STYLE
            .split("url(/assets/fonts/")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .collect();
        let served: Vec<&str> = SLICES.iter().map(|(name, _)| *name).collect();
        assert_eq!(named, served);
        // WOFF2's signature on each.
        assert!(SLICES.iter().all(|(_, bytes)| bytes.starts_with(b"wOF2")));
    }

    #[test]
    fn the_stylesheet_has_no_font_face_of_the_whole_font() {
        assert!(!STYLE.contains("font.otf"));
        // "/assets/style." + 12 hex digits + ".css"
        assert_eq!(style_href().len(), 14 + 12 + 4, "{}", style_href());
        assert_ne!(editor_href(), console_href());
    }
}
