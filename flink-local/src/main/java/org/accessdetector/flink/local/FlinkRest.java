package org.accessdetector.flink.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.accessdetector.testing.Await;

/**
 * A Flink cluster's REST API, the calls {@code flink run}, {@code flink stop} and {@code flink cancel} make: upload a
 * jar, run it (optionally from a savepoint, at a parallelism), follow the job and its checkpoints, stop it with a
 * savepoint. See Flink's REST API reference for the endpoints.
 */
public final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String url) {
        this.url = url;
    }

    public String url() {
        return url;
    }

    /** What {@code /jars/:id/run} is asked to run. */
    public record Run(String entryClass, List<String> args, Integer parallelism, String savepointPath) {

        public static Run entryClass(String entryClass) {
            return new Run(entryClass, List.of(), null, null);
        }

        public Run args(String... args) {
            return new Run(entryClass, List.of(args), parallelism, savepointPath);
        }

        public Run args(List<String> args) {
            return new Run(entryClass, List.copyOf(args), parallelism, savepointPath);
        }

        public Run parallelism(int parallelism) {
            return new Run(entryClass, args, parallelism, savepointPath);
        }

        /** Resume from a savepoint or retained checkpoint (its directory or _metadata file). */
        public Run fromSavepoint(String path) {
            return new Run(entryClass, args, parallelism, path);
        }
    }

    /** Whether the REST API answers at all (the JobManager is up). */
    public boolean answers() {
        try {
            return send(HttpRequest.newBuilder(URI.create(url + "/config")).GET()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code /overview}: TaskManagers, slots, jobs running. */
    public JsonNode overview() throws IOException {
        return get("/overview");
    }

    /** Uploads a job jar ({@code POST /jars/upload}) and returns its id on the cluster. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "----flink-local-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode answer = json(HttpRequest.newBuilder(URI.create(url + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "upload " + jar);
        String file = answer.path("filename").asText();
        if (file.isEmpty()) {
            throw new IOException("upload of " + jar + " answered " + answer);
        }
        return Path.of(file).getFileName().toString();
    }

    /** Runs an uploaded jar's main class ({@code POST /jars/:id/run}) and returns the id of the job it submitted. */
    public String run(String jarId, Run run) throws IOException {
        ObjectNode request = JSON.createObjectNode();
        request.put("entryClass", run.entryClass());
        request.putPOJO("programArgsList", run.args());
        if (run.parallelism() != null) {
            request.put("parallelism", run.parallelism());
        }
        if (run.savepointPath() != null) {
            request.put("savepointPath", run.savepointPath());
            request.put("allowNonRestoredState", false);
        }
        JsonNode answer = post("/jars/" + jarId + "/run", request);
        String job = answer.path("jobid").asText();
        if (job.isEmpty()) {
            throw new IOException("running " + jarId + " answered " + answer);
        }
        return job;
    }

    /** A job's state: CREATED, RUNNING, RESTARTING, FINISHED, FAILED, CANCELED, ... */
    public String jobState(String jobId) throws IOException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /**
     * Whether every task of the job runs (not merely the job: its tasks may still be deploying or restarting), or
     * has finished: a bounded source of a running job (the detector's control-topic backlogs) ends by design.
     */
    public boolean allTasksRunning(String jobId) throws IOException {
        JsonNode job = get("/jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!List.of("RUNNING", "FINISHED").contains(vertex.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** Waits until every task of the job runs; fails at once if the job ends. */
    public void awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
        Await.until("all tasks of job " + jobId + " running", timeout, () -> {
            String state = jobState(jobId);
            if (List.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
                throw new AssertionError("job " + jobId + " ended " + state + ": " + get("/jobs/" + jobId + "/exceptions"));
            }
            return allTasksRunning(jobId);
        });
    }

    /** How many checkpoints of the job have completed (since it was submitted, across restarts). */
    public long completedCheckpoints(String jobId) throws IOException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** How many times the job restarted after a failure. */
    public long restarts(String jobId) throws IOException {
        for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            if ("numRestarts".equals(m.path("id").asText())) {
                return m.path("value").asLong();
            }
        }
        throw new IOException("no numRestarts metric for job " + jobId);
    }

    /**
     * Stops the job with a savepoint ({@code POST /jobs/:id/stop}, as {@code flink stop}) and returns the savepoint's
     * location once it completes.
     */
    public String stopWithSavepoint(String jobId, Path targetDirectory, Duration timeout) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.put("targetDirectory", targetDirectory.toUri().toString());
        request.put("drain", false);
        String trigger = post("/jobs/" + jobId + "/stop", request).path("request-id").asText();
        JsonNode done = Await.until("the savepoint of job " + jobId, timeout,
                () -> get("/jobs/" + jobId + "/savepoints/" + trigger),
                status -> "COMPLETED".equals(status.path("status").path("id").asText()));
        JsonNode operation = done.path("operation");
        if (!operation.path("failure-cause").isMissingNode()) {
            throw new IOException("the savepoint of job " + jobId + " failed: " + operation.path("failure-cause"));
        }
        return operation.path("location").asText();
    }

    /** Cancels a job ({@code PATCH /jobs/:id?mode=cancel}). */
    public void cancel(String jobId) throws IOException {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(url + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
        if (answer.statusCode() / 100 != 2) {
            throw new IOException("cancel " + jobId + ": HTTP " + answer.statusCode() + " " + answer.body());
        }
    }

    /** The ids of the jobs the cluster knows, with their states. */
    public List<String> jobs() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode j : get("/jobs").path("jobs")) {
            out.add(j.path("id").asText() + " " + j.path("status").asText());
        }
        return out;
    }

    public JsonNode get(String path) throws IOException {
        return json(HttpRequest.newBuilder(URI.create(url + path)).GET(), "GET " + path);
    }

    private JsonNode post(String path, JsonNode body) throws IOException {
        return json(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), "POST " + path);
    }

    private JsonNode json(HttpRequest.Builder request, String what) throws IOException {
        HttpResponse<String> answer = send(request);
        if (answer.statusCode() / 100 != 2) {
            throw new IOException(what + ": HTTP " + answer.statusCode() + " " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("nothing answers at " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
