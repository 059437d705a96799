//! Pages kept as they are sent: rendered once per data version and view, compressed once
//! (brotli and gzip), then answered from memory with a validator.
//!
//! The recovery dashboard is 135 KB of HTML with its charts inline; rendering and sending it
//! on every request made a crowd of officials wait half a second each. A page depends only
//! on the data version, its path and its query string (never on who asks: the role check
//! runs before the handler), so the same bytes serve everyone until the data changes, and
//! the cache lives in [`super::Loaded`], which a reload replaces whole.

use std::io::Write;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::WebError;
use crate::engine::Bounded;

/// Pages kept: a dashboard in two languages under a few filters, for each dashboard.
const PAGES: usize = 128;

/// One page in each encoding a browser may take.
pub struct Page {
    etag: String,
    html: Bytes,
    gzip: Bytes,
    br: Bytes,
}

impl Page {
    /// Compresses `html` both ways. Brotli at quality 9 with a 4 MiB window: about a tenth
    /// of the size for a chart-heavy page, in tens of milliseconds, paid once per view.
    fn new(etag: String, html: String) -> Page {
        let html = Bytes::from(html);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = gzip
            .write_all(&html)
            .and_then(|()| gzip.finish())
            .map(Bytes::from)
            .unwrap_or_default();
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 9,
            lgwin: 22,
            ..Default::default()
        };
        let br = match brotli::BrotliCompress(&mut html.as_ref(), &mut br, &params) {
            Ok(_) => Bytes::from(br),
            Err(_) => Bytes::new(),
        };
        Page {
            etag,
            html,
            gzip,
            br,
        }
    }

    /// The page in the best encoding the request accepts, or 304 if the browser has it.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let mut response = if matches_etag(request, &self.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let (body, encoding) = match encoding(request) {
                Encoding::Br if !self.br.is_empty() => (self.br.clone(), Some("br")),
                Encoding::Br | Encoding::Gzip if !self.gzip.is_empty() => {
                    (self.gzip.clone(), Some("gzip"))
                }
                _ => (self.html.clone(), None),
            };
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            if let Some(encoding) = encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, value);
        }
        // Revalidate every time: the validator makes that a 304 until the data changes.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }

    #[cfg(test)]
    fn sizes(&self) -> (usize, usize, usize) {
        (self.html.len(), self.gzip.len(), self.br.len())
    }
}

/// Rendered pages by data version and address.
pub struct Pages {
    kept: Bounded<Arc<Page>>,
    /// One page is rendered at a time: a crowd arriving at a fresh page waits for the
    /// first rendering instead of each drawing its own.
    rendering: tokio::sync::Mutex<()>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages {
            kept: Bounded::new(PAGES),
            rendering: tokio::sync::Mutex::new(()),
        }
    }
}

impl Pages {
    /// The page at `address` (path and query string) of data `version`, rendered by
    /// `render` the first time.
    pub async fn get_or_render<F>(
        &self,
        version: &str,
        address: &str,
        render: F,
    ) -> Result<Arc<Page>, WebError>
    where
        F: Future<Output = Result<String, WebError>>,
    {
        let etag = etag(version, address);
        if let Some(page) = self.kept.get(&etag) {
            return Ok(page);
        }
        let _turn = self.rendering.lock().await;
        if let Some(page) = self.kept.get(&etag) {
            return Ok(page);
        }
        let html = render.await?;
        let key = etag.clone();
        let page = tokio::task::spawn_blocking(move || Page::new(key, html))
            .await
            .map_err(|e| WebError::Internal(crate::Error::Other(format!("compressing: {e}"))))?;
        let page = Arc::new(page);
        self.kept.put(etag, page.clone());
        Ok(page)
    }
}

/// A weak validator: the brotli, gzip and plain bytes are one page.
fn etag(version: &str, address: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(version.as_bytes());
    hasher.update(b"\0");
    hasher.update(address.as_bytes());
    // A new build may draw the same data differently.
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

fn matches_etag(request: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == bare
            })
        })
}

#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Br,
    Gzip,
    Identity,
}

/// Brotli where the browser takes it, then gzip (`q=0` refuses one).
fn encoding(request: &HeaderMap) -> Encoding {
    let Some(accepted) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let takes = |name: &str| {
        accepted.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case(name) || coding == "*") && !refused
        })
    };
    if takes("br") {
        Encoding::Br
    } else if takes("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn browsers_get_brotli_then_gzip_and_q0_refuses() {
        assert_eq!(
            encoding(&accepting("gzip, deflate, br, zstd")),
            Encoding::Br
        );
        assert_eq!(encoding(&accepting("gzip, deflate")), Encoding::Gzip);
        assert_eq!(encoding(&accepting("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(encoding(&accepting("identity")), Encoding::Identity);
        assert_eq!(encoding(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn a_page_decompresses_to_its_html_and_revalidates_to_304() {
        let html = "<p>朝晖街道</p>".repeat(2_000);
        let page = Page::new(etag("v1", "/d/recovery"), html.clone());
        let (plain, gzip, br) = page.sizes();
        assert_eq!(plain, html.len());
        assert!(
            gzip < plain / 10 && br < plain / 10,
            "{gzip} {br} of {plain}"
        );

        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(page.gzip.as_ref()),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, html);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut page.br.as_ref(), &mut unbrotli).unwrap();
        assert_eq!(unbrotli, html.as_bytes());

        let response = page.respond(&accepting("gzip"));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let tag = response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_string();
        assert!(tag.starts_with("W/\""), "{tag}");

        let mut again = accepting("br");
        again.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
        assert_eq!(page.respond(&again).status(), StatusCode::NOT_MODIFIED);
        // Another data version is another page.
        assert_ne!(etag("v2", "/d/recovery"), tag);
    }
}
