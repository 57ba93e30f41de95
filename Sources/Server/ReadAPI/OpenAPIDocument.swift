/// The read API's OpenAPI 3.1 document, served at `/openapi.json`: every route `ReadRoutes`
/// adds, its parameters and its answers, in the snake_case JSON the routes write, with links
/// from each list to the routes that take its ids. `OpenAPITests` runs schemathesis against
/// it and a running daemon, so a route and its description cannot drift apart unnoticed.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "wf read API",
        "version": "1",
        "description": "Links, the run queue, runs and their jobs' logs, datasets, versions, files and diffs of a wf home. Errors are {\"error\": {\"message\", \"type\", \"param\", \"code\"}}. With an API key set (wf daemon --api-key-env), every route needs Authorization: Bearer KEY."
      },
      "servers": [{"url": "/"}],
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["message", "type"],
              "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                             "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}
          },
          "Timestamp": {"type": "string", "description": "UTC, ISO 8601 with milliseconds"},
          "Link": {
            "type": "object", "required": ["name", "url", "poll_seconds", "created"],
            "properties": {"name": {"type": "string"}, "url": {"type": "string"}, "branch": {"type": "string"},
                           "poll_seconds": {"type": "integer"}, "created": {"$ref": "#/components/schemas/Timestamp"}}
          },
          "LinkState": {
            "type": "object", "required": ["link", "failures", "heads"],
            "properties": {"link": {"$ref": "#/components/schemas/Link"}, "last_fetch": {"$ref": "#/components/schemas/Timestamp"},
                           "last_error": {"type": "string"}, "failures": {"type": "integer"},
                           "heads": {"type": "object", "additionalProperties": {"type": "string"}}}
          },
          "QueueItem": {
            "type": "object", "required": ["id", "link", "commit", "ref", "workflow", "source", "status", "attempts", "enqueued"],
            "properties": {"id": {"type": "integer"}, "link": {"type": "string"}, "commit": {"type": "string"}, "ref": {"type": "string"},
                           "workflow": {"type": "string"}, "source": {"enum": ["poll", "webhook", "trigger"]},
                           "status": {"enum": ["queued", "running", "succeeded", "failed", "interrupted"]}, "attempts": {"type": "integer"},
                           "enqueued": {"$ref": "#/components/schemas/Timestamp"}, "started": {"$ref": "#/components/schemas/Timestamp"},
                           "finished": {"$ref": "#/components/schemas/Timestamp"}, "run_id": {"type": "string"}, "detail": {"type": "string"}}
          },
          "Job": {
            "type": "object", "required": ["name", "action", "status", "outputs", "needs"],
            "properties": {"name": {"type": "string"}, "action": {"type": "string"},
                           "status": {"enum": ["waiting", "running", "succeeded", "failed", "skipped", "interrupted"]},
                           "started": {"$ref": "#/components/schemas/Timestamp"}, "finished": {"$ref": "#/components/schemas/Timestamp"},
                           "detail": {"type": "string"}, "log": {"type": "string"}, "image": {"type": "string"},
                           "outputs": {"type": "object", "additionalProperties": {"type": "string"},
                                       "description": "output name: a committed version (DATASET:ID) or a string output's value"},
                           "needs": {"type": "array", "items": {"type": "string"}}}
          },
          "Run": {
            "type": "object", "required": ["id", "workflow", "repository", "trigger", "status", "started", "pid", "inputs", "jobs"],
            "properties": {"id": {"type": "string"}, "workflow": {"type": "string"}, "repository": {"type": "string"},
                           "commit": {"type": "string"}, "trigger": {"type": "string"}, "link": {"type": "string"},
                           "status": {"enum": ["running", "succeeded", "failed", "interrupted"]},
                           "started": {"$ref": "#/components/schemas/Timestamp"}, "finished": {"$ref": "#/components/schemas/Timestamp"},
                           "summary": {"type": "string"}, "pid": {"type": "integer"},
                           "inputs": {"type": "object", "additionalProperties": {"type": "string"}},
                           "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}
          },
          "Provenance": {
            "type": "object",
            "properties": {"repository": {"type": "string"}, "commit": {"type": "string"}, "workflow": {"type": "string"},
                           "job": {"type": "string"}, "run": {"type": "string"}, "settings_digest": {"type": "string"},
                           "model_digest": {"type": "string"}, "model_source": {"type": "string"}, "image": {"type": "string"},
                           "uncommitted": {"type": "string"}}
          },
          "Dataset": {
            "type": "object", "required": ["name", "versions", "latest", "bytes", "files", "updated"],
            "properties": {"name": {"type": "string"}, "versions": {"type": "integer"}, "latest": {"type": "string"},
                           "bytes": {"type": "integer"}, "files": {"type": "integer"}, "updated": {"$ref": "#/components/schemas/Timestamp"}}
          },
          "Version": {
            "type": "object", "required": ["id", "dataset", "sequence", "tree", "created", "message", "files", "bytes", "provenance", "tags"],
            "properties": {"id": {"type": "string"}, "dataset": {"type": "string"}, "sequence": {"type": "integer"},
                           "parent": {"type": "string"}, "tree": {"type": "string"}, "created": {"$ref": "#/components/schemas/Timestamp"},
                           "message": {"type": "string"}, "files": {"type": "integer"}, "bytes": {"type": "integer"},
                           "provenance": {"$ref": "#/components/schemas/Provenance"}, "tags": {"type": "array", "items": {"type": "string"}}}
          },
          "File": {
            "type": "object", "required": ["path", "size", "sha256", "executable"],
            "properties": {"path": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"}, "executable": {"type": "boolean"}}
          },
          "Diff": {
            "type": "object", "required": ["old", "new", "identical", "files"],
            "properties": {"old": {"type": "string"}, "new": {"type": "string"}, "identical": {"type": "boolean"},
                           "files": {"type": "array", "items": {"type": "object", "required": ["path", "change"],
                             "properties": {"path": {"type": "string"}, "change": {"enum": ["added", "removed", "changed"]},
                                            "old_size": {"type": "integer"}, "new_size": {"type": "integer"},
                                            "old_sha256": {"type": "string"}, "new_sha256": {"type": "string"},
                                            "hunks": {"type": "array", "items": {"type": "string"}}, "binary": {"type": "boolean"}}}}}
          }
        },
        "responses": {
          "NotFound": {"description": "no such link, run, job, dataset, version or file: the message names it",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "BadRequest": {"description": "a parameter out of range: the error's param names it",
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unauthorized": {"description": "an API key is set and the request lacks it",
                           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "parameters": {
          "run": {"name": "run", "in": "path", "required": true, "schema": {"type": "string"}, "description": "a run id, or a unique prefix of 4 or more characters"},
          "job": {"name": "job", "in": "path", "required": true, "schema": {"type": "string"}},
          "name": {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}, "description": "a dataset's name"},
          "ref": {"name": "ref", "in": "path", "required": true, "schema": {"type": "string"},
                  "description": "latest, a version id or a unique prefix of 4 or more hex digits, a tag, or ~N (the N-th ancestor of the newest)"}
        }
      },
      "security": [{}, {"bearer": []}],
      "paths": {
        "/api/links": {"get": {"operationId": "listLinks", "summary": "Linked repositories with what the daemon last saw of each",
          "responses": {"200": {"description": "the links", "content": {"application/json": {"schema": {"type": "object", "required": ["links"],
            "properties": {"links": {"type": "array", "items": {"$ref": "#/components/schemas/LinkState"}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/queue": {"get": {"operationId": "listQueue", "summary": "The run queue: running and queued first, then the latest finished",
          "responses": {"200": {"description": "the queue", "content": {"application/json": {"schema": {"type": "object", "required": ["queue"],
            "properties": {"queue": {"type": "array", "items": {"$ref": "#/components/schemas/QueueItem"}}}}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/runs": {"get": {"operationId": "listRuns", "summary": "Runs, newest first",
          "parameters": [
            {"name": "link", "in": "query", "schema": {"type": "string"}},
            {"name": "workflow", "in": "query", "schema": {"type": "string"}, "description": "the workflow file, relative to the repository"},
            {"name": "status", "in": "query", "schema": {"enum": ["running", "succeeded", "failed", "interrupted"]}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 30}}],
          "responses": {"200": {"description": "a page of runs", "content": {"application/json": {"schema": {"type": "object",
            "required": ["runs", "page", "per_page"], "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}}}}},
            "links": {"GetRun": {"operationId": "getRun", "parameters": {"run": "$response.body#/runs/0/id"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/runs/{run}": {"get": {"operationId": "getRun", "summary": "A run with its jobs, their status, times, outputs and needs (the graph)",
          "parameters": [{"$ref": "#/components/parameters/run"}],
          "responses": {"200": {"description": "the run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}},
            "links": {"GetJobLog": {"operationId": "getJobLog", "parameters": {"run": "$response.body#/id", "job": "$response.body#/jobs/0/name"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/runs/{run}/jobs/{job}/log": {"get": {"operationId": "getJobLog",
          "summary": "A job's log: the text so far, or with Accept: text/event-stream each line as an event while the job runs, then event: end",
          "parameters": [{"$ref": "#/components/parameters/run"}, {"$ref": "#/components/parameters/job"}],
          "responses": {"200": {"description": "the log", "content": {"text/plain": {"schema": {"type": "string"}},
                                                                   "text/event-stream": {"schema": {"type": "string"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/datasets": {"get": {"operationId": "listDatasets", "summary": "Datasets with their newest version",
          "responses": {"200": {"description": "the datasets", "content": {"application/json": {"schema": {"type": "object", "required": ["datasets"],
            "properties": {"datasets": {"type": "array", "items": {"$ref": "#/components/schemas/Dataset"}}}}}},
            "links": {"ListVersions": {"operationId": "listVersions", "parameters": {"name": "$response.body#/datasets/0/name"}},
                      "GetLatestVersion": {"operationId": "getVersion", "parameters": {"name": "$response.body#/datasets/0/name", "ref": "latest"}},
                      "DiffLastTwo": {"operationId": "diffVersions", "parameters": {"name": "$response.body#/datasets/0/name", "from": "~1", "to": "latest"}}}},
            "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/datasets/{name}/versions": {"get": {"operationId": "listVersions", "summary": "A dataset's versions, newest first",
          "parameters": [{"$ref": "#/components/parameters/name"}],
          "responses": {"200": {"description": "the versions", "content": {"application/json": {"schema": {"type": "object", "required": ["versions"],
            "properties": {"versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}}}}}},
            "links": {"GetVersion": {"operationId": "getVersion", "parameters": {"name": "$response.body#/versions/0/dataset", "ref": "$response.body#/versions/0/id"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/datasets/{name}/versions/{ref}": {"get": {"operationId": "getVersion", "summary": "A version's record, provenance and files",
          "parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/ref"}],
          "responses": {"200": {"description": "the version", "content": {"application/json": {"schema": {"type": "object", "required": ["version", "files"],
            "properties": {"version": {"$ref": "#/components/schemas/Version"}, "files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}}}}}},
            "links": {"GetFile": {"operationId": "getFile", "parameters": {"name": "$response.body#/version/dataset", "ref": "$response.body#/version/id",
                                                                          "path": "$response.body#/files/0/path"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/datasets/{name}/versions/{ref}/files/{path}": {"get": {"operationId": "getFile",
          "summary": "A file's bytes, with a content type from its extension; Range: bytes=a-b gives 206",
          "description": "One byte range (bytes=a-b, bytes=a-, bytes=-n) answers 206 with Content-Range and the file's own content type, as RFC 9110 has it (a range of a JSON file is not JSON); several ranges are answered whole. The Range header is left out of the parameters so that tools which parse each body by its content type do not send it.",
          "parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/ref"},
                         {"name": "path", "in": "path", "required": true, "schema": {"type": "string"}, "description": "the file's path in the version (may hold /)"}],
          "responses": {"200": {"description": "the file: any bytes, as stored (a JSON file is JSON of any shape)", "content": {"*/*": {"schema": {}}}},
            "206": {"description": "the asked range", "content": {"*/*": {"schema": {}}}},
            "416": {"description": "the range starts past the end", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/api/datasets/{name}/diff": {"get": {"operationId": "diffVersions", "summary": "Two versions compared: files and unified hunks of text",
          "parameters": [{"$ref": "#/components/parameters/name"},
                         {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "the older version (a ref)"},
                         {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}, "description": "the newer version (a ref)"},
                         {"name": "context", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 3}}],
          "responses": {"200": {"description": "the diff", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Diff"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"},
            "401": {"$ref": "#/components/responses/Unauthorized"}}}}
      }
    }
    """#
}
