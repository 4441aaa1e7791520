# One image for every stage's Python services, tagged shop-evolution:local by every stage's
# compose.yaml (built once, reused by each app node, seed job and stage); the compose file
# picks the composition root on the command line (e.g. "stage01_single.app:create_app()").
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/shop

# The pinned dependencies (and the build backend) first, read from pyproject.toml alone: this
# layer is rebuilt only when pyproject.toml changes, not on every edit of the shop's code.
COPY pyproject.toml ./
RUN python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
print(*p["build-system"]["requires"], *p["project"]["dependencies"], sep="\n")' > requirements.txt \
 && pip install -r requirements.txt \
 && rm requirements.txt

# Then the shop itself, without touching the dependencies: seconds after an edit. Installed as
# a package (not run from the source tree), so it needs every file it reads in its package data.
COPY . /tmp/shop-src
RUN pip install --no-deps --no-build-isolation /tmp/shop-src && rm -rf /tmp/shop-src

RUN useradd --system shop && mkdir -p /data/images && chown shop /data/images
USER shop
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "stage01_single.app:create_app()"]
