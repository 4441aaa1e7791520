"""The shop's values on the wire between services: plain JSON, both directions, in one place.

The public API's shapes (common/web/serializers.py) are for customers; these are for the
services, and carry what the other side needs to rebuild the domain value exactly (a
product's image key, not its URL; an order's key). A password hash never leaves the
account service. Errors travel in the shop's one shape, ``{"error": {"code", "message",
...details}}``, and become the same domain error on the calling side, so the web tier answers
a customer exactly as it did when everything ran in one process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.domain.errors import (
    Conflict,
    EmailTaken,
    EmptyCart,
    InvalidInput,
    NotFound,
    OutOfStock,
    PaymentDeclined,
    ReservationExpired,
    ShopError,
    Unauthenticated,
    Unavailable,
)
from common.domain.models import (
    Cart,
    CartLine,
    Category,
    CategoryFacet,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductPage,
    User,
)
from common.ports import PaymentResult

Json = dict[str, Any]

# ---- catalog -----------------------------------------------------------------------------


def product_json(product: Product, *, stock: bool = True) -> Json:
    """A product; ``stock=False`` for the catalog service, which does not own stock."""
    data: Json = {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "price_cents": product.price_cents,
        "image_key": product.image_key,
    }
    if stock:
        data["stock"] = product.stock
    return data


def product_from(data: Json, *, stock: int | None = None) -> Product:
    """A product from its JSON; ``stock`` is given when it comes from elsewhere (inventory)."""
    return Product(
        id=int(data["id"]),
        sku=str(data["sku"]),
        name=str(data["name"]),
        description=str(data["description"]),
        category=str(data["category"]),
        price_cents=int(data["price_cents"]),
        stock=int(data["stock"]) if stock is None else stock,
        image_key=str(data["image_key"]),
    )


def category_json(category: Category) -> Json:
    return {"slug": category.slug, "name": category.name}


def category_from(data: Json) -> Category:
    return Category(slug=str(data["slug"]), name=str(data["name"]))


def page_json(page: ProductPage, *, stock: bool = True) -> Json:
    data: Json = {
        "items": [product_json(p, stock=stock) for p in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
    if page.facets is not None:
        data["facets"] = [{"category": f.category, "count": f.count} for f in page.facets]
    return data


def facets_from(data: Json) -> tuple[CategoryFacet, ...] | None:
    """The facets of a page's JSON; None when it has none (not a search engine's answer)."""
    raw = data.get("facets")
    if raw is None:
        return None
    return tuple(CategoryFacet(str(f["category"]), int(f["count"])) for f in raw)


# ---- accounts ----------------------------------------------------------------------------


def user_json(user: User) -> Json:
    return {"id": user.id, "email": user.email, "name": user.name}


def user_from(data: Json) -> User:
    # The hash stays in the account service; nothing outside it ever needs it.
    return User(
        id=int(data["id"]), email=str(data["email"]), name=str(data["name"]), password_hash=""
    )


# ---- carts -------------------------------------------------------------------------------


def cart_json(cart: Cart) -> Json:
    return {"lines": [{"product": product_json(x.product), "qty": x.qty} for x in cart.lines]}


def cart_from(data: Json) -> Cart:
    return Cart([CartLine(product_from(x["product"]), int(x["qty"])) for x in data["lines"]])


def quantities_json(quantities: dict[int, int]) -> Json:
    return {"quantities": {str(pid): qty for pid, qty in sorted(quantities.items())}}


def quantities_from(data: Json) -> dict[int, int]:
    return {int(pid): int(qty) for pid, qty in data["quantities"].items()}


# ---- orders ------------------------------------------------------------------------------


def order_json(order: Order) -> Json:
    return {
        "id": order.id,
        "user_id": order.user_id,
        "idempotency_key": order.idempotency_key,
        "status": order.status.value,
        "total_cents": order.total_cents,
        "created_at": order.created_at.isoformat(),
        "lines": [
            {
                "product_id": x.product_id,
                "name": x.name,
                "unit_price_cents": x.unit_price_cents,
                "qty": x.qty,
            }
            for x in order.lines
        ],
    }


def order_from(data: Json) -> Order:
    return Order(
        id=int(data["id"]),
        user_id=int(data["user_id"]),
        idempotency_key=str(data["idempotency_key"]),
        status=OrderStatus(data["status"]),
        total_cents=int(data["total_cents"]),
        created_at=datetime.fromisoformat(str(data["created_at"])),
        lines=[
            OrderLine(
                int(x["product_id"]), str(x["name"]), int(x["unit_price_cents"]), int(x["qty"])
            )
            for x in data["lines"]
        ],
    )


# ---- payments ----------------------------------------------------------------------------


def payment_json(result: PaymentResult) -> Json:
    return {"approved": result.approved, "reference": result.reference, "reason": result.reason}


def payment_from(data: Json) -> PaymentResult:
    return PaymentResult(
        approved=bool(data["approved"]),
        reference=str(data["reference"]),
        reason=str(data.get("reason", "")),
    )


# ---- errors ------------------------------------------------------------------------------

# The domain errors a service may answer with; anything else it answers is its own failure.
_DOMAIN_ERRORS: dict[str, type[ShopError]] = {
    kind.code: kind
    for kind in (
        InvalidInput,
        NotFound,
        Unauthenticated,
        EmailTaken,
        OutOfStock,
        EmptyCart,
        ReservationExpired,
        PaymentDeclined,
        Unavailable,
        Conflict,
    )
}


def error_from(service: str, status: int, body: Any) -> ShopError:
    """The domain error a service's error answer stands for."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return Unavailable(f"the {service} service answered {status} without an error body")
    code, message = str(error.get("code", "")), str(error.get("message", ""))
    details = {k: v for k, v in error.items() if k not in ("code", "message")}
    kind = _DOMAIN_ERRORS.get(code)
    if kind is None or (status >= 500 and kind is not Unavailable):
        # Not something a customer can act on (a bad internal call, a bug over there).
        return Unavailable(f"the {service} service failed ({status} {code}: {message})")
    return kind(message, **details)
