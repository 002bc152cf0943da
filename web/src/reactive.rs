//! Leptos's reactive primitives behind one type-erased door each.
//!
//! `LocalResource`, `Action` and `Effect` are generic over the closure, the future and
//! the value they are given, so every call site and every value type compiles its own
//! copy of their machinery: one to three KB of wasm each. The wrappers here box the
//! closures and futures and hold API answers as `Rc<dyn Any>`, so that machinery is
//! compiled once for the whole app; a typed handle ([`ApiResource`], [`ApiAction`])
//! gives the value back with its type. Behaviour is Leptos's own; the cost is a small
//! allocation per run and a clone per read, as before.

use crate::api::ApiError;
use leptos::prelude::*;
use std::any::Any;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

/// A boxed future, for the browser's single thread.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// A boxed future that may cross into `Suspend` (which requires `Send`).
pub type SendFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What every resource and action holds: an API answer of any type, or its failure.
type Erased = Result<Rc<dyn Any>, ApiError>;

fn erase<T: 'static>(future: LocalFuture<Result<T, ApiError>>) -> LocalFuture<Erased> {
    Box::pin(async move { future.await.map(|value| Rc::new(value) as Rc<dyn Any>) })
}

/// The typed value back. The handles below only ever store a `T`, so the fallback
/// error is unreachable; it spares the wasm a panic path.
fn typed<T: Clone + 'static>(value: Erased) -> Result<T, ApiError> {
    value.and_then(|v| {
        v.downcast_ref::<T>()
            .cloned()
            .ok_or(ApiError::Unexpected { status: 0 })
    })
}

/// A [`LocalResource`] of an API answer: `.get()` it (tracked) or `.await` it (in
/// a [`crate::components::load_view`]).
pub struct ApiResource<T> {
    inner: LocalResource<Erased>,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for ApiResource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ApiResource<T> {}

/// [`LocalResource::new`] for an API call: `fetch` runs again whenever a signal it
/// reads changes.
pub fn resource<T: 'static>(
    fetch: impl Fn() -> LocalFuture<Result<T, ApiError>> + 'static,
) -> ApiResource<T> {
    ApiResource {
        inner: erased_resource(Box::new(move || erase(fetch()))),
        ty: PhantomData,
    }
}

fn erased_resource(fetch: Box<dyn Fn() -> LocalFuture<Erased>>) -> LocalResource<Erased> {
    LocalResource::new(fetch)
}

impl<T: Clone + 'static> ApiResource<T> {
    /// The latest answer, `None` until the first one arrives (tracked).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.inner.get().map(typed)
    }
}

impl<T: Clone + 'static> IntoFuture for ApiResource<T> {
    type Output = Result<T, ApiError>;
    type IntoFuture = SendFuture<Result<T, ApiError>>;

    fn into_future(self) -> Self::IntoFuture {
        let answer = self.inner.into_future();
        Box::pin(async move { typed(answer.await) })
    }
}

/// An [`Action`] that calls the API with an input of type `I`.
pub struct ApiAction<I, O> {
    inner: Action<Rc<dyn Any>, Erased>,
    /// The latest run's input, kept after it finishes (Leptos forgets an action's
    /// input once it resolves), so a step-up can send it again.
    last: StoredValue<Option<Rc<dyn Any>>, LocalStorage>,
    ty: PhantomData<fn(I) -> O>,
}

impl<I, O> Clone for ApiAction<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for ApiAction<I, O> {}

/// [`Action::new_local`] for an API call.
pub fn action<I: 'static, O: 'static>(
    run: impl Fn(&I) -> LocalFuture<Result<O, ApiError>> + 'static,
) -> ApiAction<I, O> {
    ApiAction {
        inner: erased_action(Box::new(move |input: &Rc<dyn Any>| {
            match input.downcast_ref::<I>() {
                Some(input) => erase(run(input)),
                None => mismatch(),
            }
        })),
        last: StoredValue::new_local(None),
        ty: PhantomData,
    }
}

type ActionFn = Box<dyn Fn(&Rc<dyn Any>) -> LocalFuture<Erased>>;

fn erased_action(run: ActionFn) -> Action<Rc<dyn Any>, Erased> {
    Action::new_local(run)
}

fn mismatch() -> LocalFuture<Erased> {
    Box::pin(std::future::ready(Err(ApiError::Unexpected { status: 0 })))
}

impl<I: Clone + 'static, O: Clone + 'static> ApiAction<I, O> {
    /// Runs the action (see [`Action::dispatch_local`]).
    pub fn dispatch(&self, input: I) {
        let input: Rc<dyn Any> = Rc::new(input);
        self.last.set_value(Some(input.clone()));
        self.inner.dispatch_local(input);
    }

    /// The latest run's answer, `None` before the first or after [`Self::clear`]
    /// (tracked).
    pub fn value(&self) -> Option<Result<O, ApiError>> {
        self.inner.value().get().map(typed)
    }

    /// Forgets the latest answer.
    pub fn clear(&self) {
        self.inner.value().set(None);
    }

    /// The input of the latest run, in flight or finished (not subscribing).
    pub fn input_untracked(&self) -> Option<I> {
        self.last
            .get_value()
            .and_then(|input| input.downcast_ref::<I>().cloned())
    }

    /// Whether a run is in flight.
    pub fn pending(&self) -> Memo<bool> {
        self.inner.pending()
    }

    /// How many runs have finished.
    pub fn version(&self) -> RwSignal<usize> {
        self.inner.version()
    }
}

/// [`Effect::new`] for an effect that ignores its previous run.
pub fn effect(run: impl Fn() + 'static) {
    effect_boxed(Box::new(run));
}

fn effect_boxed(run: Box<dyn Fn()>) {
    Effect::new(move |_| run());
}

/// [`leptos::task::spawn_local`] with a boxed future.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(task));
}

fn spawn_boxed(task: LocalFuture<()>) {
    leptos::task::spawn_local(task);
}
