//! `/gallery`: files uploaded from an `<input type=file>` with a progress
//! bar, stored under the media root and served back under `/media`.

use super::layout::layout;
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::upload::upload_progress;
use tandem::ui::{EventContext, EventError, Level, Row, State, View, events};

/// The gallery's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Gallery {
    /// The uploaded files.
    pub files: Vec<Uploaded>,
    /// Where the files come from: a URL the visitor typed.
    pub credit: String,
}

/// An uploaded file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct Uploaded {
    /// Its URL under `/media`, which tells files apart (the row's key).
    #[row(key)]
    pub id: String,
    /// The name it was uploaded with.
    pub name: String,
    /// Where it is served.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it is an image (shown as a thumbnail).
    pub image: bool,
}

#[events]
impl Gallery {
    /// Keeps the files uploaded with this event (a direct event, without an
    /// upload, brings none: the list comes from the server).
    pub async fn add_files(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        if ctx.uploads().is_empty() {
            return Err(EventError::new("Choose a file to upload."));
        }
        for file in ctx.uploads() {
            self.files.push(Uploaded {
                id: file.url.clone(),
                name: file.name.clone(),
                url: file.url.clone(),
                size: file.size,
                image: file.content_type.starts_with("image/"),
            });
        }
        ctx.notify(Level::Success, &format!("{} file(s) uploaded.", ctx.uploads().len()));
        Ok(())
    }

    /// Keeps the credit link as typed: the renderer and the runtime refuse
    /// the URLs that would run script, so the handler need not.
    pub async fn set_credit(&mut self, credit: String) {
        self.credit = credit.chars().take(2000).collect();
    }
}

/// The page.
pub fn view(s: &View<Gallery>) -> Node {
    layout().page(
        "",
        [
            h1().text("Gallery"),
            label().children([
                text("Add files "),
                input()
                    .id("files")
                    .attr("type", "file")
                    .attr("name", "files")
                    .attr("multiple", "")
                    .on_upload(s.add_files()),
            ]),
            upload_progress("files"),
            label().children([
                text("Credit (a link) "),
                input().id("credit").bind_value(s.credit).on_change(s.set_credit()),
            ]),
            cond(
                s.credit,
                p().children([
                    text("Photos by "),
                    a().id("credit-link").bind_attr("href", s.credit).child(bind(s.credit)),
                ]),
                nothing(),
            ),
            ul().id("uploaded").child(s.files.each(|item| {
                li().children([
                    a().class("file").bind_attr("href", item.url).child(bind(item.name)),
                    text(" "),
                    small().children([bind(item.size), text(" bytes")]),
                    cond(item.image, img().bind_attr("src", item.url).attr("alt", "").attr("width", "96"), nothing()),
                ])
            })),
            p().child(a().href("/").text("Back to the shop")),
        ],
    )
}
