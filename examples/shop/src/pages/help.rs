//! `/help[/<topic>]`: help topics under one page. The topic is a catch-all
//! segment (`<path:topic>`, slashes included) in an optional group, so
//! `/help`, `/help/shipping` and `/help/shipping/returns` are all this page.

use super::layout::layout;
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{EventContext, Row, State, View, events};

/// The help topics: path under `/help/` and answer.
const TOPICS: &[(&str, &str)] = &[
    ("shipping", "Orders ship within two working days."),
    ("shipping/returns", "Unused items can be returned within 30 days."),
    ("payment", "We take cards and bank transfers."),
];

/// The help page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Help {
    /// The topic's path under `/help/`, empty for the index.
    pub topic: String,
    /// The breadcrumbs to the topic, one per segment.
    pub trail: Vec<Crumb>,
    /// The answer.
    pub answer: String,
}

/// One breadcrumb: a segment of the topic and its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct Crumb {
    /// The segment.
    pub name: String,
    /// Its page (the row's key).
    #[row(key)]
    pub url: String,
}

#[events]
impl Help {
    /// Reads the topic from the route's catch-all parameter.
    pub async fn load(&mut self, ctx: &mut EventContext) {
        let topic = ctx.router.params.get("topic").map_or("", |t| t.trim_end_matches('/')).to_string();
        let mut url = String::from("/help");
        self.trail = topic
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                url = format!("{url}/{segment}");
                Crumb { name: segment.to_string(), url: url.clone() }
            })
            .collect();
        self.answer = match TOPICS.iter().find(|(path, _)| *path == topic) {
            Some((_, answer)) => answer.to_string(),
            None if topic.is_empty() => "Pick a topic below.".into(),
            None => format!("No help on “{topic}” yet."),
        };
        self.topic = topic;
    }
}

/// The page.
pub fn view(s: &View<Help>) -> Node {
    layout().page(
        "/help",
        [
            nav().id("trail").children([
                a().href("/help").text("Help"),
                s.trail.each(|item| {
                    span().children([text(" / "), a().bind_attr("href", item.url).child(bind(item.name))])
                }),
            ]),
            h1().id("topic").child(cond(s.topic, bind(s.topic), text("Help"))),
            p().id("answer").child(bind(s.answer)),
            ul().children(TOPICS.iter().map(|(path, _)| li().child(a().href(&format!("/help/{path}")).text(*path)))),
            p().child(a().href("/").text("Back to the shop")),
        ],
    )
}
