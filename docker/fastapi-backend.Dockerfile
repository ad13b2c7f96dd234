# The reference FastAPI backend on Debian's python3-fastapi/uvicorn (no PyPI on these machines).
ARG BASE
FROM ${BASE}
COPY project/examples/fastapi-backend /app
WORKDIR /app
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
ENTRYPOINT ["/bin/sh", "-c", "exec /usr/bin/python3 -m uvicorn app:app --host \"$HOST\" --port \"$PORT\""]
