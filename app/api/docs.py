"""The API's interactive documentation (Swagger UI) at /api/v1/docs, with its script and
style served by the app itself from assets/vendor/swagger-ui/ (the npm package
swagger-ui-dist, pinned in the Makefile and copied there by `make deps`): no CDN, so the
page runs only code this deployment ships."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.settings import PROJECT_ROOT

API_PREFIX = "/api/v1"
ASSET_DIR = PROJECT_ROOT / "assets" / "vendor" / "swagger-ui"
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8"}
ASSET_URL = f"{API_PREFIX}/docs/assets"

router = APIRouter(include_in_schema=False)


@router.get(f"{API_PREFIX}/docs")
def docs_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=f"{API_PREFIX}/openapi.json",
        title="Giftnet API",
        swagger_js_url=f"{ASSET_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_URL}/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
    )


def _asset(name: str) -> FileResponse:
    path = ASSET_DIR / name
    if not path.is_file():
        raise GiftnetError(ErrorCode.unavailable, N_("The API documentation's files are not installed here (make "
                                                     "deps copies them)."))
    return FileResponse(path, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})


@router.get(f"{ASSET_URL}/swagger-ui-bundle.js")
def docs_script() -> FileResponse:
    return _asset("swagger-ui-bundle.js")


@router.get(f"{ASSET_URL}/swagger-ui.css")
def docs_style() -> FileResponse:
    return _asset("swagger-ui.css")
