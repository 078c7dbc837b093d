FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY directory ./directory
COPY fixtures/demo ./fixtures/demo
RUN pip install --no-cache-dir -c requirements.lock -e .
EXPOSE 8000
CMD ["directory", "serve"]
