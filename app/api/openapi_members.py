"""The OpenAPI paths of API v1's members endpoints (registrations); merged into app.api.openapi."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


REGISTRATION_ID = [{"name": "registration_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]
UNAUTHORIZED = _problem("No valid bearer token (`unauthorized`).")

MEMBER_SCHEMAS: dict[str, Any] = {
    "RegistrationRequest": {
        "type": "object",
        "required": ["community", "kind"],
        "properties": {
            "community": {"type": "string", "description": "The community's code."},
            "kind": {"type": "string", "enum": ["resident", "unit"]},
            "unit": {"type": "string", "description": 'For "unit": the code of a unit the caller manages.'},
            "party_member": {
                "type": "boolean",
                "default": False,
                "description": 'For "resident": registering as an in-service party member (在职党员).',
            },
            "work_unit": {"type": ["string", "null"], "description": 'For "resident": the work unit\'s code.'},
        },
    },
    "RegistrationPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("Registration")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
}

MEMBER_PATHS: dict[str, Any] = {
    "/registrations": {
        "post": {
            "summary": "Register (报到): a unit the caller manages with a community, or the caller at their residence",
            "description": "The registration is `pending` until the community's managers acknowledge it. A person "
            "has one live residence: registering at another community moves it (the old one is withdrawn at once "
            "and the new one names it in `transferred_from`).",
            "requestBody": _body(_ref("RegistrationRequest")),
            "responses": {
                "201": _json("The registration, `pending`.", _ref("Registration")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": UNAUTHORIZED,
                "403": _problem("The caller does not manage the unit (`forbidden`)."),
                "409": _problem(
                    "A live registration of this unit with this community, or of this residence, "
                    "exists (`already_registered`)."
                ),
                "422": _problem(
                    "Unknown community (`not_a_community`), unit or work unit (`not_a_unit`), kind (`invalid_kind`); "
                    "party_member not a boolean (`invalid`). `field` names the member at fault."
                ),
            },
        },
        "get": {
            "summary": "Registrations: a community's for its managers (`community`); otherwise the caller's own",
            "description": "Without `community`, or for a community the caller does not manage, the caller's own "
            "registrations and those of the units they manage.",
            "parameters": [
                {"name": "community", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["pending", "acknowledged", "declined", "withdrawn"]},
                },
                *PAGING,
            ],
            "responses": {
                "200": _json("A page of registrations, newest first.", _ref("RegistrationPage")),
                "401": UNAUTHORIZED,
                "422": _problem("A bad filter or page (`invalid_filter`)."),
            },
        },
    },
    "/registrations/{registration_id}/acknowledge": {
        "post": {
            "summary": "Acknowledge (回执): a manager of the registration's community",
            "description": "The registration gets its receipt number, and from this moment the unit is in the "
            "community's `registered_units` audience (a resident in its `residents`, a party member in its "
            "`party_members`).",
            "parameters": REGISTRATION_ID,
            "responses": {
                "200": _json("The registration, `acknowledged`, with its `receipt`.", _ref("Registration")),
                "401": UNAUTHORIZED,
                "403": _problem("Not a manager of the registration's community (`forbidden`)."),
                "404": _problem("No such registration (`not_found`)."),
                "409": _problem("No longer pending (`registration_not_pending`)."),
            },
        }
    },
    "/registrations/{registration_id}/decline": {
        "post": {
            "summary": "Decline with a reason the registrant is shown: a manager of the registration's community",
            "parameters": REGISTRATION_ID,
            "requestBody": _body(
                {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
            ),
            "responses": {
                "200": _json("The registration, `declined`.", _ref("Registration")),
                "401": UNAUTHORIZED,
                "403": _problem("Not a manager of the registration's community (`forbidden`)."),
                "404": _problem("No such registration (`not_found`)."),
                "409": _problem("No longer pending (`registration_not_pending`)."),
                "422": _problem("No reason (`decline_reason_required`), or over 500 characters (`value_too_long`)."),
            },
        }
    },
    "/registrations/{registration_id}/withdraw": {
        "post": {
            "summary": "Withdraw: the person registered, or a manager of the unit registered",
            "description": "A pending or acknowledged registration ends; the audiences it gave end at once.",
            "parameters": REGISTRATION_ID,
            "responses": {
                "200": _json("The registration, `withdrawn`.", _ref("Registration")),
                "401": UNAUTHORIZED,
                "403": _problem("Not the registrant nor a manager of the unit (`forbidden`)."),
                "404": _problem("No such registration (`not_found`)."),
                "409": _problem("Already declined or withdrawn (`not_withdrawable`)."),
            },
        }
    },
}
