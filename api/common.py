"""What every resource blueprint shares: errors in the document, bearer security, strict bodies."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field

from api import PREFIX
from api.errors import ApiError, ErrorOut

BEARER = [{"bearer": []}]
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 415, 429)}


class Strict(BaseModel):
    """A request body that refuses fields it does not know."""

    model_config = ConfigDict(extra="forbid")


class IdPath(BaseModel):
    id: int = Field(ge=1, le=2**31 - 1)


def blueprint(name: str, description: str, path: str | None = None) -> APIBlueprint:
    """A blueprint of bearer-protected operations under /api/v1/<path> (<name> by default)."""
    return APIBlueprint(
        name,
        f"api.{name}",
        url_prefix=PREFIX if path == "" else f"{PREFIX}/{path or name}",
        abp_tags=[Tag(name=name, description=description)],
        abp_security=BEARER,
        abp_responses=ERRORS,
    )


def not_found(what: str) -> ApiError:
    """404 for a record that does not exist or that the caller may not see (the same answer)."""
    return ApiError(404, f"There is no {what} for you.")
