# One image for every stage's Python services: the stage's compose.yaml picks the
# composition root on the command line (e.g. "stage01_single.app:create_app()").
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/shop
COPY . .
RUN pip install --no-cache-dir .
RUN useradd --system shop && mkdir -p /data/images && chown shop /data/images
USER shop
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "stage01_single.app:create_app()"]
