//! `POST /_upload`: files for a tab's event (see [`crate::ui::upload`]), and
//! the stored uploads served back under the media prefix.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Multipart, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::auth::CurrentUser;
use crate::context::AppContext;
use crate::http::ApiError;
use crate::sessions::Session;
use crate::ui::upload::{UploadedFile, safe_file_name, unique_name};
use crate::ui::{Engine, EventContext};

/// Served uploads may be anything a person sent: never run as a page here.
const MEDIA_POLICY: &str = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

/// The headers the runtime sends with an upload.
struct Target {
    token: String,
    state: String,
    event: String,
    args: Value,
}

fn target(headers: &HeaderMap) -> Result<Target, ApiError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let missing = || ApiError::bad_request("Expected the X-Tandem-Token, X-Tandem-State and X-Tandem-Event headers.");
    let args = match text("x-tandem-args") {
        Some(encoded) => {
            let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8_lossy().to_string();
            serde_json::from_str(&decoded).map_err(|_| ApiError::bad_request("X-Tandem-Args is not JSON."))?
        }
        None => json!([]),
    };
    Ok(Target {
        token: text("x-tandem-token").ok_or_else(missing)?,
        state: text("x-tandem-state").ok_or_else(missing)?,
        event: text("x-tandem-event").ok_or_else(missing)?,
        args,
    })
}

/// Stores the request's files, then runs the event with them: 200
/// `{"files": [...]}`, 400 `{"detail": …}` when the event failed, 403 for
/// another session's tab, 404 for an unknown tab, 413 over the size or
/// file-count limit. Whatever the answer other than 200, nothing is kept.
pub(super) async fn receive(
    ctx: AppContext,
    axum::Extension(ui): axum::Extension<Arc<Engine>>,
    session: Session,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    match receive_files(ctx, ui, session, user, headers, multipart).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn receive_files(
    ctx: AppContext,
    ui: Arc<Engine>,
    session: Session,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    let target = target(&headers)?;
    let session_key = session.key().unwrap_or_default();
    match ui.owner_of(&target.token, &session_key).await.map_err(ApiError::internal)? {
        None => return Err(ApiError::new(StatusCode::NOT_FOUND, "No such tab.")),
        Some(owner) if owner != session_key || session_key.is_empty() => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "This tab belongs to another session."));
        }
        Some(_) => {}
    }
    let Some(page) = ui.page_of_state(&target.state).cloned() else {
        return Err(ApiError::bad_request(format!("No page shows the state `{}`.", target.state)));
    };
    let bounds = Bounds { bytes: ctx.settings.ui.upload_max_bytes, files: ctx.settings.ui.upload_max_files };
    let (folder, files) = store(multipart, &media_root(&ctx), &ctx.settings.ui.media_url, bounds).await?;
    let urls: Vec<String> = files.iter().map(|file| file.url.clone()).collect();
    let router = crate::ui::RouterData::default();
    let caller = crate::ui::engine::Caller { session_key, user, db: ctx.db.clone(), client: None, origin: None };
    let mut event = caller.context(router, target.token.clone());
    event.uploads = files;
    // Its own task: a client that goes away cannot stop the event halfway,
    // between saving the tab and keeping (or removing) its files.
    let run = tokio::spawn(run_event(ui, page, target, event, folder));
    run.await.map_err(ApiError::internal)??;
    Ok(axum::Json(json!({"files": urls})).into_response())
}

/// Runs the upload's event, then keeps its files if it succeeded and
/// removes them if it failed or was refused.
async fn run_event(
    ui: Arc<Engine>,
    page: crate::ui::Page,
    target: Target,
    event: EventContext,
    folder: UploadFolder,
) -> Result<(), ApiError> {
    // Not connected here: the changes are saved and shown at its next hello.
    let outbox = ui.outbox_of(&target.token).unwrap_or_else(|| crate::ui::outbox::outbox().0);
    let outcome = match ui.event(&page, None, &target.event, target.args, event, &outbox).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(ApiError::bad_request(error.message)),
        Err(_) => Err(ApiError::new(StatusCode::FORBIDDEN, "This tab belongs to another session.")),
    };
    match outcome {
        Ok(()) => folder.keep(),
        Err(_) => folder.discard().await,
    }
    outcome
}

fn media_root(ctx: &AppContext) -> PathBuf {
    ctx.settings.base_dir.join(&ctx.settings.ui.media_root)
}

/// What one request may bring: `[ui] upload_max_bytes` of files in all,
/// in at most `[ui] upload_max_files` parts.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    bytes: u64,
    files: usize,
}

/// One request's folder of files, `<media root>/uploads/<random>`: removed
/// with everything in it unless [`keep`](Self::keep) is called, even when
/// the request is dropped halfway (its client went away).
struct UploadFolder {
    name: String,
    path: PathBuf,
    armed: bool,
}

impl UploadFolder {
    fn new(root: &Path) -> Self {
        let name = crate::random::hex(16);
        let path = root.join("uploads").join(&name);
        Self { name, path, armed: true }
    }

    /// Keeps the files for good.
    fn keep(mut self) {
        self.armed = false;
    }

    /// Removes the folder and its files now.
    async fn discard(mut self) {
        self.armed = false;
        remove(&self.path).await;
    }
}

impl Drop for UploadFolder {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let path = std::mem::take(&mut self.path);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { remove(&path).await });
            }
            Err(_) => {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

async fn remove(path: &Path) {
    match tokio::fs::remove_dir_all(path).await {
        Ok(()) => tracing::debug!(target: "tandem::ui", path = %path.display(), "upload discarded"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(target: "tandem::ui", path = %path.display(), %error, "cannot remove an upload"),
    }
}

/// Writes each file of `multipart` to a new folder under `root`, as the
/// body streams in; removes them all if the request breaks or passes
/// `bounds`.
async fn store(
    mut multipart: Multipart,
    root: &Path,
    media_url: &str,
    bounds: Bounds,
) -> Result<(UploadFolder, Vec<UploadedFile>), ApiError> {
    let folder = UploadFolder::new(root);
    let mut files = Vec::new();
    let outcome = store_parts(&mut multipart, &folder, media_url, bounds, &mut files).await;
    match outcome {
        Ok(()) if files.is_empty() => {
            folder.discard().await;
            Err(ApiError::bad_request("No file was sent."))
        }
        Ok(()) => Ok((folder, files)),
        Err(error) => {
            folder.discard().await;
            Err(error)
        }
    }
}

async fn store_parts(
    multipart: &mut Multipart,
    folder: &UploadFolder,
    media_url: &str,
    bounds: Bounds,
    files: &mut Vec<UploadedFile>,
) -> Result<(), ApiError> {
    let mut names = HashSet::new();
    let mut parts = 0usize;
    let mut total = 0u64;
    while let Some(mut field) = multipart.next_field().await.map_err(too_big_or_bad)? {
        parts += 1;
        if parts > bounds.files {
            return Err(too_many(bounds.files));
        }
        let Some(original) = field.file_name().map(str::to_string) else { continue };
        tokio::fs::create_dir_all(&folder.path).await.map_err(ApiError::internal)?;
        let name = unique_name(&safe_file_name(&original), &names);
        names.insert(name.clone());
        let path = folder.path.join(&name);
        // `create_new`: a file of this upload is never replaced.
        let mut out =
            tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await.map_err(ApiError::internal)?;
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(too_big_or_bad)? {
            size += chunk.len() as u64;
            total += chunk.len() as u64;
            if total > bounds.bytes {
                return Err(too_big(bounds.bytes));
            }
            out.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        out.flush().await.map_err(ApiError::internal)?;
        files.push(UploadedFile {
            field: field.name().unwrap_or("file").to_string(),
            content_type: field.content_type().unwrap_or("application/octet-stream").to_string(),
            size,
            url: format!("{}/uploads/{}/{name}", media_url.trim_end_matches('/'), folder.name),
            name,
            path,
        });
    }
    Ok(())
}

fn too_big(limit: u64) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("The upload is larger than {limit} bytes."))
}

fn too_many(limit: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("The upload has more than {limit} files."))
}

fn too_big_or_bad(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The upload is too large.")
    } else {
        ApiError::bad_request(format!("Malformed upload: {}", error.body_text()))
    }
}

/// `GET <media_url>/<path>`: a stored upload, with its media type guessed
/// from its name, sandboxed so an uploaded page or SVG cannot run scripts
/// on this origin.
pub(super) async fn serve(ctx: AppContext, request: Request) -> Response {
    let prefix = ctx.settings.ui.media_url.trim_end_matches('/');
    let path = request.uri().path();
    let Some(relative) = path.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('/')) else {
        return ApiError::not_found().into_response();
    };
    let Ok(relative) = percent_encoding::percent_decode_str(relative).decode_utf8() else {
        return ApiError::not_found().into_response();
    };
    let relative = Path::new(relative.as_ref());
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return ApiError::not_found().into_response();
    }
    let file = media_root(&ctx).join(relative);
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let kind = mime_guess::from_path(&file).first_or_octet_stream();
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(kind.essence_str()) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(MEDIA_POLICY));
            response
        }
        Err(_) => ApiError::not_found().into_response(),
    }
}
