"""One deterministic data set for every stage: categories, products with images, users.

The same ``--seed`` gives the same rows, ids and images everywhere, so numbers from
different stages describe the same shop. Seeding is idempotent: rows and images already
present are kept, so it can be re-run safely.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from common.domain.models import Category, Product
from common.images import product_png
from common.operations import StageOperations

SEEDED_PASSWORD = "password123"

CATEGORY_NAMES = [
    "Books",
    "Music",
    "Games",
    "Toys",
    "Kitchen",
    "Garden",
    "Tools",
    "Outdoors",
    "Sports",
    "Fitness",
    "Clothing",
    "Shoes",
    "Jewellery",
    "Beauty",
    "Health",
    "Baby",
    "Pets",
    "Office",
    "Electronics",
    "Computers",
    "Phones",
    "Cameras",
    "Home",
    "Lighting",
    "Furniture",
    "Bedding",
    "Crafts",
    "Party",
    "Travel",
    "Automotive",
]
ADJECTIVES = [
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Elegant",
    "Essential",
    "Handmade",
    "Heavy-duty",
    "Light",
    "Modern",
    "Natural",
    "Portable",
    "Premium",
    "Rustic",
    "Smart",
    "Sturdy",
    "Vintage",
    "Wireless",
    "Cosy",
    "Bold",
]
MATERIALS = [
    "Oak",
    "Steel",
    "Cotton",
    "Linen",
    "Bamboo",
    "Ceramic",
    "Glass",
    "Leather",
    "Wool",
    "Copper",
    "Granite",
    "Silk",
    "Carbon",
    "Canvas",
    "Cedar",
    "Marble",
]
NOUNS = [
    "Lamp",
    "Mug",
    "Backpack",
    "Notebook",
    "Chair",
    "Kettle",
    "Speaker",
    "Blanket",
    "Watch",
    "Jacket",
    "Bottle",
    "Planter",
    "Headphones",
    "Board Game",
    "Puzzle",
    "Knife",
    "Pan",
    "Desk",
    "Scarf",
    "Sneakers",
    "Tent",
    "Camera Strap",
    "Yoga Mat",
    "Pen",
    "Clock",
]


@dataclass(frozen=True)
class SeedSize:
    products: int = 10_000
    categories: int = 20
    users: int = 200
    image_bytes: int = 8 * 1024
    seed: int = 42


Progress = Callable[[str, int, int], None]  # (phase, done, total)
_USER_BATCH = 100


def category_slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def seeded_email(n: int) -> str:
    return f"user{n}@example.com"


def generate_categories(size: SeedSize) -> list[Category]:
    count = min(size.categories, len(CATEGORY_NAMES))
    return [Category(category_slug(n), n) for n in CATEGORY_NAMES[:count]]


def generate_products(size: SeedSize, categories: list[Category]) -> Iterator[Product]:
    rng = random.Random(size.seed)
    for product_id in range(1, size.products + 1):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}"
        category = categories[rng.randrange(len(categories))]
        yield Product(
            id=product_id,
            sku=f"SKU-{product_id:07d}",
            name=name,
            description=(
                f"{name} from our {category.name.lower()} range. "
                f"Model {rng.randrange(100, 999)}, made to last."
            ),
            category=category.slug,
            price_cents=rng.randrange(199, 49_999),
            # Mostly plenty, a few sold out: both paths show up in browsing.
            stock=0 if rng.random() < 0.02 else rng.randrange(20, 1_000),
            image_key=f"products/{product_id:07d}.png",
        )


def seed_shop(
    ops: StageOperations, size: SeedSize, progress: Progress | None = None
) -> dict[str, int]:
    """Seed a stage through its operations (common/operations.py); idempotent."""
    report = progress or (lambda _phase, _done, _total: None)
    categories = generate_categories(size)
    ops.catalog.add_categories(categories)
    report("categories", len(categories), len(categories))

    products = list(generate_products(size, categories))
    ops.catalog.add_products(products)
    report("products", len(products), len(products))

    written = 0
    for done, product in enumerate(products, start=1):
        if not ops.files.exists(product.image_key):
            ops.files.put(
                product.image_key,
                product_png(product.id, weight_bytes=size.image_bytes),
                "image/png",
            )
            written += 1
        if done % 500 == 0 or done == len(products):
            report("images", done, len(products))

    # Hashing is deliberately slow (scrypt); seeded users share one password, hashed once.
    password_hash = ops.hasher.hash(SEEDED_PASSWORD)
    added = 0
    for start in range(1, size.users + 1, _USER_BATCH):
        numbers = range(start, min(start + _USER_BATCH, size.users + 1))
        added += ops.users.add_missing(
            ((seeded_email(n), f"User {n}") for n in numbers), password_hash
        )
        report("users", numbers[-1], size.users)
    return {
        "categories": len(categories),
        "products": ops.catalog.count_products(),
        "images_written": written,
        "users_added": added,
    }
