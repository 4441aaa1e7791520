"""One deterministic data set for every stage: categories, products with images, users.

The same ``--seed`` gives the same rows, ids and images everywhere, so numbers from
different stages describe the same shop. Seeding is idempotent: rows and images already
present are kept, so it can be re-run safely.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

from common.domain.models import Category, Product
from common.images import Rendition, render
from common.operations import StageOperations
from common.ports import FileStore

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
_PICTURE_BATCH = 200  # products per round of look-ups, drawing and uploads
_DRAW_IN_PROCESSES_FROM = 400  # fewer pictures are drawn faster than workers start
_UPLOADS = 8  # concurrent writes: an object store answers each PUT over the network


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


def _draw(job: tuple[Product, str, int]) -> list[tuple[Rendition, bytes]]:
    product, category_name, png_min_bytes = job
    return render(product, category_name, png_min_bytes)


def write_pictures(
    files: FileStore,
    products: Sequence[Product],
    category_names: Mapping[str, str],
    png_min_bytes: int,
    report: Progress,
) -> int:
    """Draw and store the pictures of the products that have none yet; returns how many.

    Drawing is CPU work, spread over one process per core; storing is network work for an
    object store, spread over a few threads; one batch is drawn while the one before it is
    stored. A picture counts as present when its PNG, the file each product writes last,
    exists, so an interrupted seeding completes what it left."""

    def store(picture: list[tuple[Rendition, bytes]]) -> None:
        for rendition, data in picture:
            files.put(rendition.key, data, rendition.content_type)

    written = 0
    with ExitStack() as stack:
        io = stack.enter_context(ThreadPoolExecutor(_UPLOADS))
        cpu: Executor = io
        if len(products) >= _DRAW_IN_PROCESSES_FROM and (os.cpu_count() or 1) > 1:
            # spawn, not fork: the parent has threads (progress bars, connection pools).
            context = multiprocessing.get_context("spawn")
            cpu = stack.enter_context(ProcessPoolExecutor(os.cpu_count(), mp_context=context))
        drawn: tuple[int, Iterator[list[tuple[Rendition, bytes]]]] | None = None
        for start in range(0, len(products) + _PICTURE_BATCH, _PICTURE_BATCH):
            batch = products[start : start + _PICTURE_BATCH]
            present = list(io.map(lambda p: files.exists(p.image_key), batch))
            missing = [p for p, there in zip(batch, present, strict=True) if not there]
            jobs = [(p, category_names.get(p.category, p.category), png_min_bytes) for p in missing]
            drawing = cpu.map(_draw, jobs, chunksize=8)  # starts now, in the background
            written += len(missing)
            if drawn is not None:  # store the batch before while this one is drawn
                for _ in io.map(store, drawn[1]):
                    pass  # a failed write fails the seeding, with its own error
                report("images", drawn[0], len(products))
            drawn = (min(start + len(batch), len(products)), drawing) if batch else None
    return written


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

    names = {c.slug: c.name for c in categories}
    written = write_pictures(ops.files, products, names, size.image_bytes, report)

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
