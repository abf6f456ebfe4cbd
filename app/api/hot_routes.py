"""The money path's busiest calls (`HOT_PATHS`: a redemption, a card issue) answered without
FastAPI's per-request machinery: route matching over every route of the API, the
dependency solver, the request and response wrappers. Together they cost about as much CPU as
the redemption's own work (`bench/money_path.py`); a lane costs a JSON parse, the body
model's validation and a hop to the lane's own threads.

`HotRoutes` is the API's innermost middleware: what wraps every answer (the server error
handler, CORS, the security headers, the body limit and the access log of `edge`) wraps the
lane's answers too. A request takes the lane only in the common case, when everything
before the route's own work would pass:

- a non-empty JSON body (`edge` has read it and labelled a bare body as JSON) that the route's
  body model accepts, validated as FastAPI validates it;
- an `Authorization: Bearer` key of the operator's form (`auth.operator_key_in`); the key
  itself is checked on the route's thread, with its work, as on FastAPI's path.

Anything else goes on to FastAPI with the same body, so every refusal before the route (401,
403, 422) is written by the one code that writes it for every route. The route function is
the registered endpoint itself, called with what FastAPI would give it; what it raises is
answered by the API's own exception handlers. `tests/unit/access/test_hot_routes.py` sends the same
requests down both paths and compares the answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.auth import bearer
from app.api.edge import API_PREFIX, is_json, replay_body
from app.api.idempotent import idempotent_call
from app.services.core.errors import GiftnetError

HOT_PATHS = (f"{API_PREFIX}/redemptions", f"{API_PREFIX}/cards")
# The lane's threads per worker: enough to keep a worker's CPU busy while calls wait on PostgreSQL (6 and 40
# threads measured the same on 2 cores), few enough that with the other routes' threads (anyio's 40) the calls
# rarely queue for the pool's 40 connections.
THREADS = 16


@dataclass(frozen=True)
class _Lane:
    """One route's call: its endpoint, the name and validator of its body parameter."""

    endpoint: Callable[..., Response]
    body_name: str
    body: TypeAdapter
    call_name: str


def _lane_for(route: RouteContext) -> _Lane:
    """The lane of a route whose parameters are exactly one JSON body model and one
    `IdempotentCall`; any other shape is refused here, at the first call."""
    dependant = route.dependant  # as included (the router's prefix and dependencies added)
    others = dependant.path_params + dependant.query_params + dependant.header_params + dependant.cookie_params
    calls = [dependency for dependency in dependant.dependencies if dependency.call is idempotent_call]
    if len(dependant.body_params) != 1 or others or len(calls) != 1 or len(dependant.dependencies) != 1:
        raise RuntimeError(f"{route.path}: a hot route takes one JSON body and one IdempotentCall, nothing else")
    body_field = dependant.body_params[0]
    return _Lane(route.endpoint, body_field.name, TypeAdapter(body_field.field_info.annotation), calls[0].name)


def hot_lanes(api: FastAPI, paths: tuple[str, ...] = HOT_PATHS) -> dict[str, _Lane]:
    """The POST route of each path, as a lane."""
    lanes = {}
    for route in iter_route_contexts(api.router.routes):
        if isinstance(route.original_route, APIRoute) and route.path in paths and "POST" in (route.methods or ()):
            lanes[route.path] = _lane_for(route)
    missing = set(paths) - set(lanes)
    if missing:
        raise RuntimeError(f"no POST route for the hot path(s) {sorted(missing)}")
    return lanes


class HotRoutes:
    """The innermost middleware of the API (added first): see the module's docstring."""

    def __init__(self, app: ASGIApp, api: FastAPI, paths: tuple[str, ...] = HOT_PATHS) -> None:
        # Built with the middleware stack, at the app's first request: every route is included by then.
        self.app = app
        self._api = api
        self._lanes = hot_lanes(api, paths)
        # The lane's own threads: a call costs about a third of the CPU of anyio's `run_sync`
        # (no capacity limiter, no cancel scope).
        self._threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="hot-route")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self._lanes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if lane is None:
            await self.app(scope, receive, send)
            return
        request = Request({**scope, "state": dict(scope.get("state") or {})}, receive)
        body = await request.body()  # `edge` has read it already: one message
        arguments = await self._arguments(lane, request, body)
        if arguments is None:  # not the common case: FastAPI answers it, as for any route
            await self.app(scope, replay_body(body, receive), send)
            return
        try:
            run = partial(copy_context().run, partial(lane.endpoint, **arguments))  # the caller's context, as anyio
            response = await asyncio.get_running_loop().run_in_executor(self._threads, run)
            if not isinstance(response, Response):  # a hot route answers its own Response (its stored answer)
                raise TypeError(f"{scope['path']}: a hot route must return a Response, not {type(response).__name__}")
        except Exception as error:  # noqa: BLE001 - answered by the API's handler for it, as on FastAPI's path
            response = await self._handled(request, error)
        await response(scope, receive, send)

    async def _arguments(self, lane: _Lane, request: Request, body: bytes) -> dict | None:
        if not body or not is_json(request.scope):
            return None
        try:
            model = lane.body.validate_python(json.loads(body), from_attributes=True)
            call = await idempotent_call(request, await bearer(request), request.headers.get("idempotency-key"))
        except (ValueError, ValidationError, GiftnetError):  # json.JSONDecodeError is a ValueError
            return None
        return {lane.body_name: model, lane.call_name: call}

    async def _handled(self, request: Request, error: Exception) -> Response:
        """The answer of the API's handler for this error, as Starlette's `ExceptionMiddleware`
        picks it; an error only the last-resort handler takes (a bug) is raised on to
        `ServerErrorMiddleware`, which answers and logs it as for any route."""
        handlers = self._api.exception_handlers
        for kind in type(error).__mro__:
            if kind is Exception:
                break
            if kind in handlers:
                return await handlers[kind](request, error)
        raise error
