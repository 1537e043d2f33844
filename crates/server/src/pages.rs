//! Minimal server-rendered pages: logon, the user's security settings and the
//! administrator's global settings. All behaviour goes through the JSON API.

use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Redirect, Response};

/// `GET /`
pub async fn index() -> Redirect {
    Redirect::to("/logon")
}

/// `GET /logon`
pub async fn logon() -> Html<&'static str> {
    Html(include_str!("../assets/logon.html"))
}

/// `GET /security`
pub async fn security() -> Html<&'static str> {
    Html(include_str!("../assets/security.html"))
}

/// `GET /admin`
pub async fn admin() -> Html<&'static str> {
    Html(include_str!("../assets/admin.html"))
}

/// `GET /static/keydesk.js`
pub async fn script() -> Response {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../assets/keydesk.js")).into_response()
}
