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


# --- service items (双领办) ---------------------------------------------------------------

ITEM_ID = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
ITEM_KINDS = ["need", "support", "activity_day"]
ITEM_STATUSES = ["open", "closed", "cancelled"]
CLAIM_BODY = {"type": "object", "required": ["claim"], "properties": {"claim": {"type": "integer"}}}
NO_ITEM = _problem("No such item (`not_found`).")
NOT_PUBLISHER = _problem("Not a manager of the item's publisher (`forbidden`).")

SERVICE_ITEM_SCHEMAS: dict[str, Any] = {
    "ServiceItem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "org": {"type": "string", "description": "The publishing community's or unit's code."},
            "kind": {
                "type": "string",
                "enum": ITEM_KINDS,
                "description": "`need`: a community's service need, claimed by the units registered with it and "
                "its registered residents; `support`: a unit's support item, claimed by the communities it is "
                "registered with; `activity_day`: a themed activity day people sign up for.",
            },
            "title": {"type": "string"},
            "description": {"type": "string"},
            "place": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "places": {"type": "integer", "minimum": 1, "description": "How many people or claims it takes."},
            "claimed": {"type": "integer", "description": "Live claims (claimed or completed); full at `places`."},
            "status": {"type": "string", "enum": ITEM_STATUSES},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "ServiceItemRequest": {
        "type": "object",
        "required": ["org", "title", "start", "end", "places"],
        "properties": {
            "org": {"type": "string", "description": "A community or unit the caller manages."},
            "kind": {
                "type": "string",
                "enum": ITEM_KINDS,
                "description": "Default: `need` for a community, `support` for a unit.",
            },
            "title": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "maxLength": 2000},
            "place": {"type": "string", "maxLength": 200},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "places": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
    },
    "ServiceClaim": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "item": {"type": "integer"},
            "user": {"type": "string", "description": "Who claimed (the person, or the manager for an organisation)."},
            "on_behalf_of": {"type": ["string", "null"], "description": "The unit or community claimed for."},
            "status": {"type": "string", "enum": ["claimed", "completed", "withdrawn"]},
            "hours": {"type": ["number", "null"], "description": "Hours served, recorded at completion."},
            "note": {"type": ["string", "null"]},
            "photo": {"type": ["string", "null"], "format": "uri", "description": "The completion's photo."},
            "created_at": {"type": "string", "format": "date-time"},
            "completed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ServiceItemPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("ServiceItem")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "ServiceClaimPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("ServiceClaim")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
}

SERVICE_ITEM_PATHS: dict[str, Any] = {
    "/service-items": {
        "get": {
            "summary": "Published service items (双领办)",
            "description": "`community`: its own items and those of the units registered with it; `org`: one "
            "community's or unit's own. Open items soonest first, others latest first.",
            "parameters": [
                {"name": "community", "in": "query", "schema": {"type": "string"}},
                {"name": "org", "in": "query", "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": ITEM_STATUSES}},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ITEM_KINDS}},
                *PAGING,
            ],
            "responses": {
                "200": _json("A page of items.", _ref("ServiceItemPage")),
                "401": UNAUTHORIZED,
                "422": _problem("A bad filter or page (`invalid_filter`)."),
            },
        },
        "post": {
            "summary": "Publish an item: a manager of the community or unit",
            "requestBody": _body(_ref("ServiceItemRequest")),
            "responses": {
                "201": _json("The item, `open`.", _ref("ServiceItem")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": UNAUTHORIZED,
                "403": _problem("The caller does not manage `org` (`forbidden`)."),
                "422": _problem(
                    "Unknown `org` (`invalid_owner`); a kind its publisher does not publish (`invalid_kind`); no "
                    "title (`title_required`); text too long (`value_too_long`); times without an offset "
                    "(`invalid_time`), ending before they start (`end_before_start`) or already over (`in_past`); "
                    "places not a whole number from 1 to 1000 (`places_out_of_range`)."
                ),
            },
        },
    },
    "/service-items/{item_id}": {
        "get": {
            "summary": "One item",
            "parameters": ITEM_ID,
            "responses": {"200": _json("The item.", _ref("ServiceItem")), "401": UNAUTHORIZED, "404": NO_ITEM},
        }
    },
    "/service-items/{item_id}/claims": {
        "get": {
            "summary": "An item's claims: all for its publisher's managers; the caller's own for anyone else",
            "parameters": [*ITEM_ID, *PAGING],
            "responses": {
                "200": _json("A page of claims, oldest first.", _ref("ServiceClaimPage")),
                "401": UNAUTHORIZED,
                "404": NO_ITEM,
                "422": _problem("A bad page (`invalid_filter`)."),
            },
        }
    },
    "/service-items/{item_id}/claim": {
        "post": {
            "summary": "Claim an item, for oneself or for a unit or community one manages",
            "description": "A community's need: a unit registered (acknowledged) with it, by a manager of the unit, "
            "or a resident acknowledged there, for themself. A unit's support item: a community the unit is "
            "registered with, by a manager of the community. An activity day: people for themselves. The "
            "publisher's managers are told.",
            "parameters": ITEM_ID,
            "requestBody": _body(
                {"type": "object", "properties": {"on_behalf_of": {"type": ["string", "null"]}}}, required=False
            ),
            "responses": {
                "201": _json("The claim, `claimed`.", _ref("ServiceClaim")),
                "400": _problem("A body that is not a JSON object (`invalid_json`)."),
                "401": UNAUTHORIZED,
                "403": _problem(
                    "Acting for an organisation the caller does not manage (`forbidden`); the claimant is not "
                    "registered where the item asks (`not_registered`)."
                ),
                "404": NO_ITEM,
                "409": _problem(
                    "Closed, cancelled or over (`not_claimable`); the claimant holds a live claim on it "
                    "(`already_claimed`); every place is taken (`capacity_exceeded`)."
                ),
                "422": _problem(
                    "Unknown `on_behalf_of` (`invalid_owner`); the item is not claimed for that kind of claimant "
                    "(`invalid_claimant`)."
                ),
            },
        }
    },
    "/service-items/{item_id}/withdraw": {
        "post": {
            "summary": "Withdraw a claim not yet completed: the claimant, or a manager of the organisation",
            "parameters": ITEM_ID,
            "requestBody": _body(CLAIM_BODY),
            "responses": {
                "200": _json("The claim, `withdrawn`.", _ref("ServiceClaim")),
                "401": UNAUTHORIZED,
                "403": _problem("Not the claimant (`forbidden`)."),
                "404": _problem("No such item, or no such claim on it (`not_found`)."),
                "409": _problem("Completed or withdrawn already (`claim_not_withdrawable`)."),
                "422": _problem("No claim id (`invalid`)."),
            },
        }
    },
    "/service-items/{item_id}/complete": {
        "post": {
            "summary": "Record a claim's completion: the publisher's managers",
            "description": "The claimant is told. A photo is added on the item's page.",
            "parameters": ITEM_ID,
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["claim", "hours", "note"],
                    "properties": {
                        "claim": {"type": "integer"},
                        "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
                        "note": {"type": "string", "maxLength": 1000},
                    },
                }
            ),
            "responses": {
                "200": _json("The claim, `completed`.", _ref("ServiceClaim")),
                "401": UNAUTHORIZED,
                "403": NOT_PUBLISHER,
                "404": _problem("No such item, or no such claim on it (`not_found`)."),
                "409": _problem("Completed already, or withdrawn (`not_completable`)."),
                "422": _problem(
                    "No claim id (`invalid`); hours not above 0 and at most 1000 in tenths (`invalid_hours`); no "
                    "note (`note_required`) or one over 1000 characters (`value_too_long`)."
                ),
            },
        }
    },
    "/service-items/{item_id}/status": {
        "post": {
            "summary": "Close an item to claims, open it again, or cancel it: the publisher's managers",
            "description": "Cancelling withdraws the claims not yet completed; their claimants are told.",
            "parameters": ITEM_ID,
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": {"type": "string", "enum": ITEM_STATUSES}},
                }
            ),
            "responses": {
                "200": _json("The item.", _ref("ServiceItem")),
                "401": UNAUTHORIZED,
                "403": NOT_PUBLISHER,
                "404": NO_ITEM,
                "409": _problem("No such move: a cancelled item stays cancelled (`item_not_movable`)."),
                "422": _problem("Not a status (`invalid_status`)."),
            },
        }
    },
}

MEMBER_SCHEMAS.update(SERVICE_ITEM_SCHEMAS)
MEMBER_PATHS.update(SERVICE_ITEM_PATHS)
