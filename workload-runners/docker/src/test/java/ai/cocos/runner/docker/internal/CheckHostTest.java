package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the runner says when its engine is missing or unusable: no engine at all (the socket does
 * not exist), a file that is not a socket, a socket whose server is not an engine, an engine too
 * old. The last two are answered by a small unix-socket server here, with real HTTP bytes.
 */
class CheckHostTest {
  @TempDir Path dir;
  private ServerSocketChannel server;
  private DockerRunner runner;

  @AfterEach
  void tearDown() throws IOException {
    if (runner != null) {
      runner.deactivate();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void missingSocketNamesTheSettingAndHowToStartAnEngine() throws Exception {
    Path sock = dir.resolve("docker.sock");
    runner = new DockerRunner(DockerSettings.defaults("unix://" + sock));

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, runner::checkHost);

    assertEquals(
        "the 'docker' runner finds no container engine: "
            + sock
            + " (AGENT_DOCKER_HOST=unix://"
            + sock
            + ") does not exist; start a container engine (dockerd, or 'podman system service"
            + " --time=0 unix:///var/run/docker.sock') or point AGENT_DOCKER_HOST at its socket",
        e.getMessage());
  }

  @Test
  void startFailsFastWithoutAnEngine() throws Exception {
    Path sock = dir.resolve("docker.sock");
    runner = new DockerRunner(DockerSettings.defaults("unix://" + sock));
    Path work = Files.createDirectories(dir.resolve("w"));
    Files.createDirectories(work.resolve("datasets"));
    Files.createDirectories(work.resolve("results"));
    TestImages.write(work.resolve("algo"), new TestImages.Spec().script("true"));
    RunSpec spec =
        new RunSpec(
            "c1",
            work.resolve("algo"),
            Optional.empty(),
            List.of(),
            work,
            work.resolve("datasets"),
            work.resolve("results"),
            Duration.ofSeconds(5),
            Map.of());

    RunnerUnavailableException e =
        assertThrows(
            RunnerUnavailableException.class, () -> runner.start(spec, new RecordingSink()));

    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void engineGoneAfterTheCheckFailsTheRunNamingTheSocket() throws Exception {
    // A socket file whose server has gone: what a crashed engine leaves behind.
    Path sock = serve(path -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
    server.close();
    runner = new DockerRunner(DockerSettings.defaults("unix://" + sock));
    Path work = Files.createDirectories(dir.resolve("w"));
    Files.createDirectories(work.resolve("datasets"));
    Files.createDirectories(work.resolve("results"));
    TestImages.write(work.resolve("algo"), new TestImages.Spec().script("true"));
    RunSpec spec =
        new RunSpec(
            "c1",
            work.resolve("algo"),
            Optional.empty(),
            List.of(),
            work,
            work.resolve("datasets"),
            work.resolve("results"),
            Duration.ofSeconds(5),
            Map.of());

    RunResult r =
        runner
            .start(spec, new RecordingSink())
            .result()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);

    assertEquals(RunResult.Outcome.FAILED, r.outcome());
    assertTrue(
        r.reason()
            .startsWith(
                "docker run failed connecting to the engine: the container engine at unix://"
                    + sock
                    + " (AGENT_DOCKER_HOST) is unreachable or broke off:"),
        r.reason());
  }

  @Test
  void regularFileIsNotASocket() throws Exception {
    Path file = Files.writeString(dir.resolve("docker.sock"), "");
    runner = new DockerRunner(DockerSettings.defaults("unix://" + file));

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, runner::checkHost);

    assertTrue(
        e.getMessage().contains(file + " (AGENT_DOCKER_HOST) is not a socket"), e.getMessage());
  }

  @Test
  void serverThatIsNotAnEngine() throws Exception {
    Path sock = serve(path -> "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    runner = new DockerRunner(DockerSettings.defaults("unix://" + sock));

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, runner::checkHost);

    assertTrue(
        e.getMessage()
            .startsWith(
                "the 'docker' runner cannot use the container engine at unix://"
                    + sock
                    + " (AGENT_DOCKER_HOST): GET /_ping answered 404 not found;"),
        e.getMessage());
  }

  @Test
  void engineThatNeverAnswersIsGivenUpOn() throws Exception {
    Path sock = serve(path -> null); // reads the request, answers nothing
    runner =
        new DockerRunner(
            new DockerSettings(
                "unix://" + sock,
                "none",
                0,
                0,
                0,
                "",
                false,
                true,
                2,
                Duration.ofSeconds(1),
                65536));
    long t0 = System.nanoTime();

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, runner::checkHost);

    assertTrue(e.getMessage().contains("did not answer GET /_ping within 1 s"), e.getMessage());
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "gave up within seconds");
  }

  @Test
  void engineTooOld() throws Exception {
    Path sock =
        serve(
            path ->
                path.equals("/_ping")
                    ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
                    : json(
                        "{\"ApiVersion\":\"1.30\",\"Version\":\"17.06\","
                            + "\"Platform\":{\"Name\":\"Docker Engine - Community\"}}"));
    runner = new DockerRunner(DockerSettings.defaults("unix://" + sock));

    RunnerUnavailableException e =
        assertThrows(RunnerUnavailableException.class, runner::checkHost);

    assertTrue(
        e.getMessage()
            .contains(
                "Docker Engine - Community 17.06 speaks Docker Engine API 1.30; the docker runner"
                    + " needs 1.41 or newer"),
        e.getMessage());
  }

  @Test
  void newerEngineIsSpokenToInTheNewestVersionKnown() throws Exception {
    Path sock =
        serve(
            path ->
                path.equals("/_ping")
                    ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
                    : json(
                        "{\"ApiVersion\":\"1.52\",\"MinAPIVersion\":\"1.44\",\"Version\":\"29.0\"}"));
    EngineClient c =
        new EngineClient(
            "unix://" + sock,
            Duration.ofSeconds(5),
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor());

    assertEquals("container engine 29.0 (API 1.47)", c.negotiate());
  }

  private static String json(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(body.length())
        + "\r\n"
        + body
        + "\r\n0\r\n\r\n";
  }

  /** A unix-socket HTTP server answering each request by its path. */
  private Path serve(Function<String, String> answer) throws IOException {
    Path sock = dir.resolve("fake.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    Thread t =
        new Thread(
            () -> {
              while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                  InputStream in = Channels.newInputStream(c);
                  StringBuilder head = new StringBuilder();
                  while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                      break;
                    }
                    head.append((char) b);
                  }
                  String target = head.toString().split(" ")[1];
                  String path = target.replaceFirst("^/v[0-9.]+", "").replaceFirst("\\?.*", "");
                  String reply = answer.apply(path);
                  if (reply == null) {
                    in.read(); // hold the connection until the client gives up
                    continue;
                  }
                  c.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return sock;
  }
}
