#!/usr/bin/env python3
"""A small in-memory Confluent Schema Registry for evops's tests (Python 3 stdlib only).

It follows the published REST API
(https://docs.confluent.io/platform/current/schema-registry/develop/api.html): the
application/vnd.schemaregistry.v1+json content type, error bodies
{"error_code": N, "message": "..."} with Confluent's codes and messages (40401 subject,
40402 version, 40403 schema not found, 40408 no subject-level config, 42201 invalid schema,
42202 invalid version, 42203 invalid compatibility level, 409 incompatible, 50001 backend),
global schema ids shared by every subject that registers the same schema, versions per
subject, "latest" (and -1) as a version, schemaType omitted for AVRO, references, and
compatibility levels (default BACKWARD; *_TRANSITIVE checks every earlier version on
register).

Where it departs, on purpose:
- It judges no compatibility itself. `--compat-cmd "PROGRAM ARGS..."` (split like a shell
  does) names a checker; the server appends MODE OLDFILE NEWFILE (MODE is backward, forward
  or full; the files end in .avsc, .json or .proto) and reads exit 0 as compatible, 1 as
  incompatible with one reason per line on stdout, anything else as a failure to decide
  (50001, with the checker's stderr; Confluent would say 42201 for an unreadable schema, but
  the server cannot tell that from a broken checker). Without a checker, any check that needs
  one answers 50001. A schema type change is incompatible
  without asking (as Confluent says). Referenced schemas are not passed to the checker.
- "Same schema" means the same type, references and text, where AVRO and JSON texts are
  compared (and stored) as compact JSON; Confluent compares parsed schemas.
- No deletes, modes, contexts, metadata, rule sets, ?normalize, ?format or ?deleted.
- `--user NAME:PASSWORD` turns on HTTP basic auth: 401 {"error_code": 401, "message":
  "Unauthorized"} without the right Authorization header.
- GET /_test/requests answers {"<METHOD> <raw path>": count} for every other request so far
  (it needs no credentials and is not counted itself), so that tests can prove caching.

It listens on 127.0.0.1 only; `--port 0` picks a free port. The first line on stdout is the
port.
"""

import argparse
import base64
import json
import shlex
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
LEVELS = ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
          "FULL", "FULL_TRANSITIVE"]
EXTENSIONS = {"AVRO": ".avsc", "JSON": ".json", "PROTOBUF": ".proto"}


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def subject_not_found(subject):
    return ApiError(404, 40401, f"Subject '{subject}' not found.")


def version_not_found(version):
    return ApiError(404, 40402, f"Version {version} not found.")


def schema_not_found(schema_id=None):
    if schema_id is None:
        return ApiError(404, 40403, "Schema not found")
    return ApiError(404, 40403, f"Schema {schema_id} not found")


def parse_version(text):
    """A version id: "latest" or -1 (returned as None), or 1..2^31-1."""
    if text.strip().lower() == "latest":
        return None
    try:
        version = int(text.strip())
    except ValueError:
        version = 0
    if version == -1:
        return None
    if not 1 <= version <= 2**31 - 1:
        raise ApiError(422, 42202, f"The specified version '{text}' is not a valid version id. "
                       'Allowed values are between [1, 2^31-1] and the string "latest"')
    return version


class Registry:
    def __init__(self, compat_cmd, user):
        self.lock = threading.Lock()
        self.compat_cmd = shlex.split(compat_cmd) if compat_cmd else None
        self.auth = user
        self.schemas = {}  # id -> (type, text, references)
        self.ids = {}  # (type, text, references as JSON) -> id
        self.subjects = {}  # subject -> [id of version 1, id of version 2, ...]
        self.config = {None: "BACKWARD"}  # subject (None: global) -> level
        self.requests = {}

    def level(self, subject):
        return self.config.get(subject, self.config[None])

    def versions(self, subject):
        versions = self.subjects.get(subject)
        if not versions:
            raise subject_not_found(subject)
        return versions

    def at(self, subject, version):
        """(version number, id) of a version of a subject; version None is the latest."""
        versions = self.versions(subject)
        if version is None:
            return len(versions), versions[-1]
        if version > len(versions):
            raise version_not_found(version)
        return version, versions[version - 1]

    def schema_body(self, schema_id):
        stype, text, refs = self.schemas[schema_id]
        body = {"schema": text}
        if stype != "AVRO":
            body["schemaType"] = stype
        if refs:
            body["references"] = refs
        return body

    def version_body(self, subject, version):
        number, schema_id = self.at(subject, version)
        return {"subject": subject, "version": number, "id": schema_id,
                **self.schema_body(schema_id)}

    def parse_schema(self, body):
        """(type, text, references) of a register/lookup/compatibility request body."""
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            raise ApiError(400, 400, f"Unrecognized request body: {e}")
        if not isinstance(req, dict) or not isinstance(req.get("schema"), str) \
                or not req["schema"].strip():
            raise ApiError(422, 42201, "Empty schema")
        stype = (req.get("schemaType") or "AVRO").upper()
        if stype not in EXTENSIONS:
            raise ApiError(422, 42201, f"Invalid schema type {req.get('schemaType')}")
        text = req["schema"]
        if stype != "PROTOBUF":
            try:
                text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
            except ValueError as e:
                raise ApiError(422, 42201, f"Invalid schema {req['schema']}, details: {e}")
        refs = []
        for ref in req.get("references") or []:
            try:
                name, subject = str(ref["name"]), str(ref["subject"])
                number, _ = self.at(subject, parse_version(str(ref["version"])))
            except (KeyError, TypeError, ApiError):
                raise ApiError(422, 42201, f"Invalid schema {req['schema']}, details: "
                               f"reference {json.dumps(ref)} does not name a registered schema")
            refs.append({"name": name, "subject": subject, "version": number})
        return stype, text, refs

    def incompatibilities(self, level, olds, new):
        """Why `new` may not follow the schemas `olds` at this level ([] if it may)."""
        if level == "NONE":
            return []
        messages = []
        for old in olds:
            if old[0] != new[0]:
                messages.append(f"Incompatible because of different schema type: "
                                f"{old[0]} and {new[0]}")
                continue
            if self.compat_cmd is None:
                raise ApiError(500, 50001, "No compatibility checker: start the server with "
                               "--compat-cmd")
            ext = EXTENSIONS[new[0]]
            with tempfile.TemporaryDirectory(prefix="registry-compat-") as tmp:
                old_file, new_file = Path(tmp, "old" + ext), Path(tmp, "new" + ext)
                old_file.write_text(old[1])
                new_file.write_text(new[1])
                mode = level.split("_")[0].lower()
                done = subprocess.run(self.compat_cmd + [mode, str(old_file), str(new_file)],
                                      capture_output=True, text=True, timeout=60)
            if done.returncode == 1:
                reasons = [line for line in done.stdout.splitlines() if line.strip()]
                messages.extend(reasons or [f"Incompatible ({mode})"])
            elif done.returncode != 0:
                raise ApiError(500, 50001, f"Compatibility checker failed with exit code "
                               f"{done.returncode}: {done.stderr.strip()}")
        return messages

    def register(self, subject, body):
        new = self.parse_schema(body)
        key = (new[0], new[1], json.dumps(new[2], sort_keys=True))
        with self.lock:
            versions = self.subjects.get(subject, [])
            schema_id = self.ids.get(key)
            if schema_id is not None and schema_id in versions:
                return {"id": schema_id}
            level = self.level(subject)
            olds = versions if level.endswith("_TRANSITIVE") else versions[-1:]
            messages = self.incompatibilities(level, [self.schemas[i] for i in olds], new)
            if messages:
                raise ApiError(409, 409, "Schema being registered is incompatible with an "
                               f'earlier schema for subject "{subject}", details: '
                               + json.dumps(messages))
            if schema_id is None:
                schema_id = len(self.schemas) + 1
                self.schemas[schema_id], self.ids[key] = new, schema_id
            self.subjects.setdefault(subject, []).append(schema_id)
            return {"id": schema_id}

    def lookup(self, subject, body):
        new = self.parse_schema(body)
        key = (new[0], new[1], json.dumps(new[2], sort_keys=True))
        with self.lock:
            versions = self.versions(subject)
            if self.ids.get(key) not in versions:
                raise schema_not_found()
            return self.version_body(subject, versions.index(self.ids[key]) + 1)

    def compatibility(self, subject, version, body, verbose):
        new = self.parse_schema(body)
        with self.lock:
            level = self.level(subject)
            if version is None and subject not in self.subjects:
                olds = []  # nothing to be compatible with yet
            else:
                olds = [self.schemas[self.at(subject, version)[1]]]
        messages = self.incompatibilities(level, olds, new)
        answer = {"is_compatible": not messages}
        if verbose:
            answer["messages"] = messages
        return answer

    def set_config(self, subject, body):
        try:
            level = str(json.loads(body or b"{}").get("compatibility", "")).upper()
        except (ValueError, AttributeError):
            level = ""
        if level not in LEVELS:
            raise ApiError(422, 42203, "Invalid compatibility level. Valid values are none, "
                           "backward, forward, full, backward_transitive, forward_transitive, "
                           "and full_transitive")
        with self.lock:
            self.config[subject] = level
        return {"compatibility": level}

    def get_config(self, subject, query):
        with self.lock:
            if subject is None or subject in self.config:
                return {"compatibilityLevel": self.config[subject]}
            if query.get("defaultToGlobal", [""])[0].lower() == "true":
                return {"compatibilityLevel": self.config[None]}
        raise ApiError(404, 40408, f"Subject '{subject}' does not have subject-level "
                       "compatibility configured")

    def route(self, method, parts, query, body):
        """The answer to one request; raises ApiError."""
        verbose = query.get("verbose", [""])[0].lower() == "true"
        match (method, parts):
            case ("GET", ["schemas", "ids", schema_id]) if schema_id.isdigit():
                with self.lock:
                    if int(schema_id) not in self.schemas:
                        raise schema_not_found(int(schema_id))
                    return self.schema_body(int(schema_id))
            case ("GET", ["schemas", "ids", schema_id, "versions"]) if schema_id.isdigit():
                with self.lock:
                    if int(schema_id) not in self.schemas:
                        raise schema_not_found(int(schema_id))
                    return [{"subject": s, "version": n + 1}
                            for s, ids in sorted(self.subjects.items())
                            for n, i in enumerate(ids) if i == int(schema_id)]
            case ("GET", ["subjects"]):
                with self.lock:
                    return sorted(self.subjects)
            case ("POST", ["subjects", subject]):
                return self.lookup(subject, body)
            case ("GET", ["subjects", subject, "versions"]):
                with self.lock:
                    return list(range(1, len(self.versions(subject)) + 1))
            case ("POST", ["subjects", subject, "versions"]):
                return self.register(subject, body)
            case ("GET", ["subjects", subject, "versions", version]):
                version = parse_version(version)
                with self.lock:
                    return self.version_body(subject, version)
            case ("POST", ["compatibility", "subjects", subject, "versions", version]):
                return self.compatibility(subject, parse_version(version), body, verbose)
            case ("GET", ["config"]):
                return self.get_config(None, query)
            case ("GET", ["config", subject]):
                return self.get_config(subject, query)
            case ("PUT", ["config"]):
                return self.set_config(None, body)
            case ("PUT", ["config", subject]):
                return self.set_config(subject, body)
            case ("GET", ["_test", "requests"]):
                with self.lock:
                    return dict(self.requests)
        raise ApiError(404, 404, "HTTP 404 Not Found")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "evops-test-registry"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    def do_PUT(self):
        self.answer("PUT")

    def do_DELETE(self):
        self.answer("DELETE")

    def answer(self, method):
        registry = self.server.registry
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        testing = url.path.startswith("/_test/")
        if not testing:
            with registry.lock:
                key = f"{method} {url.path}"
                registry.requests[key] = registry.requests.get(key, 0) + 1
        try:
            if registry.auth and not testing and not self.authorized(registry.auth):
                raise ApiError(401, 401, "Unauthorized")
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            status, payload = 200, registry.route(method, parts, parse_qs(url.query), body)
        except ApiError as e:
            status, payload = e.status, {"error_code": e.code, "message": e.message}
        except Exception as e:  # a bug here: answer as Confluent's generic 500 does
            status, payload = 500, {"error_code": 500, "message": f"{type(e).__name__}: {e}"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="SchemaRegistry"')
        self.end_headers()
        self.wfile.write(data)

    def authorized(self, user):
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        try:
            return scheme.lower() == "basic" and base64.b64decode(value).decode() == user
        except ValueError:
            return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--user", metavar="NAME:PASSWORD", help="require HTTP basic auth")
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    parser.add_argument("--compat-cmd", metavar="COMMAND",
                        help="compatibility checker, given MODE OLDFILE NEWFILE")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.registry = Registry(args.compat_cmd, args.user)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
