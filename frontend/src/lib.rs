//! The WASM entry point: hydrates the server-rendered page.
//!
//! Most pages are lazy routes (`app::lazy`), so hydration is asynchronous: on
//! such a page it waits for the page group's chunk (preloaded by the page
//! itself) before it walks that part of the document.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a server-rendered page has a body");
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
        // A marker for people and browser tests: the page is interactive now.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
