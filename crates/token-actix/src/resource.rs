//! The token resource: one handler for every method, the application's extractor for `GET`.

use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::web::{self, ServiceConfig};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Resource};
use ckeditor_token_core::{MethodDecision, TokenEndpoint, TokenUser};

use crate::cors::{CorsRequestsOnly, goes_through_cors};
use crate::response::{into_response, response_of};

/// A `configure` function for `App::configure` that registers the token route at `path`.
///
/// `U` is the application's user extractor.
pub fn configure<U>(path: &str, endpoint: TokenEndpoint) -> impl FnOnce(&mut ServiceConfig)
where
    U: FromRequest + TokenUser + 'static,
{
    let path = path.to_owned();
    move |config| {
        config.service(token_resource::<U>(&path, endpoint));
    }
}

/// The token route at `path` as an actix-web resource, for `App::service` or `Scope::service`.
///
/// Every method is answered (405 for all but `GET` and `OPTIONS`), and CORS is applied to
/// every CORS request (one with an `Origin`) through actix-cors, which also answers preflights
/// before the application's extractor could run. A request without `Origin` passes actix-cors
/// by and gets the core's answer as it is. `Access-Control-Allow-Credentials` is kept only on
/// an answer that admits the caller's origin: actix-cors puts it on every answer it sees,
/// other origins' included.
/// A failure of `U` becomes the core's 401, or its 500 when the failure's status is a server
/// error; never the failure's own response, so a redirect to a login page never reaches the
/// editor. A server error's message goes to the log at error level (its first 200
/// characters), so it must not hold secrets or the caller's cookies.
pub fn token_resource<U>(
    path: &str,
    endpoint: TokenEndpoint,
) -> impl actix_web::dev::HttpServiceFactory + use<U>
where
    U: FromRequest + TokenUser + 'static,
{
    let cors = CorsRequestsOnly::new(endpoint.cors());
    let resource: Resource = web::resource(path);
    // actix-web builds the application once per worker thread, so this reference count is the
    // worker's own: the per-request clone below writes no memory that other workers share, as a
    // clone of the endpoint (an atomic count shared by all workers) would.
    let endpoint = Rc::new(endpoint);
    resource.wrap(cors).default_service(web::to(
        move |request: HttpRequest, payload: web::Payload| {
            let endpoint = Rc::clone(&endpoint);
            async move { answer::<U>(&endpoint, &request, payload.into_inner()).await }
        },
    ))
}

async fn answer<U>(
    endpoint: &TokenEndpoint,
    request: &HttpRequest,
    mut payload: Payload,
) -> HttpResponse
where
    U: FromRequest + TokenUser,
{
    let answer = match endpoint.on_method(request.method().as_str()) {
        MethodDecision::Respond(answer) => answer,
        MethodDecision::ResolveUser => match U::from_request(request, &mut payload).await {
            Ok(user) => endpoint.for_user(&user),
            Err(error) => {
                let error: actix_web::Error = error.into();
                let status = error.as_response_error().status_code();
                endpoint.user_rejected_saying(status.as_u16(), &error)
            }
        },
    };
    if goes_through_cors(endpoint.cors(), request.method(), request.headers()) {
        into_response(answer)
    } else {
        // actix-cors did not see this request, so the core's `Vary` is the only one.
        response_of(answer)
    }
}
