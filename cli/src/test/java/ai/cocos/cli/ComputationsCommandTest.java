package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.EventKind;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.ListResponse;
import ai.cocos.proto.computations.v1.Party;
import ai.cocos.proto.computations.v1.WatchResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code computations create|list|show} against a real gRPC server playing the manager. */
class ComputationsCommandTest {
  static final String NL = System.lineSeparator();
  static final String DIGEST = "0123456789abcdef".repeat(4);

  @TempDir Path dir;

  private FakeManager manager;

  @BeforeEach
  void start() throws Exception {
    manager = FakeManager.start();
  }

  @AfterEach
  void stop() throws Exception {
    manager.close();
  }

  static Timestamp at(String instant) {
    Instant t = Instant.parse(instant);
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Computation computation(String state) {
    return Computation.newBuilder()
        .setId("lr-2026-01")
        .setName("Linear regression")
        .setState(state)
        .setManifestDigest(DIGEST)
        .setCreated(at("2026-05-01T10:00:00Z"))
        .setUpdated(at("2026-05-01T10:00:01.250Z"))
        .setOwnerSigned(true)
        .setLastSeq(1)
        .addParties(Party.newBuilder().setRole("algorithm-provider").setKeyFingerprint("1111"))
        .addParties(
            Party.newBuilder()
                .setRole("data-provider")
                .setKeyFingerprint("2222")
                .setDataset("hospital-a.csv"))
        .addParties(Party.newBuilder().setRole("consumer").setKeyFingerprint("1111"))
        .build();
  }

  static ComputationEvent event(
      long seq, String time, String originator, String type, String state) {
    return ComputationEvent.newBuilder()
        .setSeq(seq)
        .setTime(at(time))
        .setKind(EventKind.EVENT_KIND_EVENT)
        .setOriginator(originator)
        .setType(type)
        .setState(state)
        .build();
  }

  static ComputationEvent log(long seq, String time, String level, String message, String state) {
    return ComputationEvent.newBuilder()
        .setSeq(seq)
        .setTime(at(time))
        .setKind(EventKind.EVENT_KIND_LOG)
        .setOriginator("computation-runner")
        .setLevel(level)
        .setMessage(message)
        .setState(state)
        .build();
  }

  private static final String BLOCK =
      String.join(
          NL,
          "id:       lr-2026-01",
          "name:     Linear regression",
          "state:    Registered",
          "digest:   " + DIGEST,
          "signed:   yes (an owner signature came with the manifest)",
          "cvm:      -",
          "created:  2026-05-01T10:00:00.000Z",
          "updated:  2026-05-01T10:00:01.250Z",
          "parties:",
          "  algorithm-provider  1111",
          "  data-provider       2222  hospital-a.csv",
          "  consumer            1111");

  private static String indented(String block, String indent) {
    return indent + block.replace(NL, NL + indent);
  }

  // -------------------------------------------------------------------------------- create

  @Test
  void createSendsTheManifestBytesAndTheDecodedSignature() throws Exception {
    byte[] manifestBytes =
        "{\"id\":\"lr-2026-01\", \"name\":\"Régression\"}\n".getBytes(StandardCharsets.UTF_8);
    Path manifest = Files.write(dir.resolve("manifest.json"), manifestBytes);
    byte[] signature = new byte[71];
    for (int i = 0; i < signature.length; i++) {
      signature[i] = (byte) (i * 7);
    }
    Path sig =
        Files.writeString(
            dir.resolve("manifest.json.sig"), Base64.getEncoder().encodeToString(signature) + "\n");
    manager.onCreate = FakeManager.reply(computation("Registered"));

    Run run =
        Run.with(
            manager.env(),
            "computations",
            "create",
            manifest.toString(),
            "--signature",
            sig.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(1, manager.creates.size());
    assertArrayEquals(manifestBytes, manager.creates.get(0).getManifestJson().toByteArray());
    assertArrayEquals(signature, manager.creates.get(0).getOwnerSignature().toByteArray());
    assertEquals(
        "Registered computation 'lr-2026-01' with the manager at "
            + manager.address()
            + "."
            + NL
            + indented(BLOCK, "  ")
            + NL
            + "Next: cocos-cli create-vm --computation lr-2026-01"
            + NL,
        run.out());
    assertEquals("", run.err());
  }

  @Test
  void createWithoutSignatureSendsNoneAndPrintsJson() throws Exception {
    Path manifest = Files.writeString(dir.resolve("m.json"), "{}");
    manager.onCreate = FakeManager.reply(computation("Registered"));

    Run run = Run.with(manager.env(), "computations", "create", manifest.toString(), "--json");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(ByteString.EMPTY, manager.creates.get(0).getOwnerSignature());
    assertEquals(
        "{\"id\":\"lr-2026-01\",\"name\":\"Linear regression\",\"description\":\"\","
            + "\"state\":\"Registered\",\"terminal\":false,\"error\":\"\","
            + "\"manifest_digest\":\""
            + DIGEST
            + "\",\"owner_signed\":true,\"cvm_id\":\"\",\"run_request_answered\":false,"
            + "\"created\":\"2026-05-01T10:00:00.000Z\",\"updated\":\"2026-05-01T10:00:01.250Z\","
            + "\"last_seq\":1,\"dropped_events\":0,\"parties\":["
            + "{\"role\":\"algorithm-provider\",\"key_fingerprint\":\"1111\",\"dataset\":\"\"},"
            + "{\"role\":\"data-provider\",\"key_fingerprint\":\"2222\","
            + "\"dataset\":\"hospital-a.csv\"},"
            + "{\"role\":\"consumer\",\"key_fingerprint\":\"1111\",\"dataset\":\"\"}]}"
            + NL,
        run.out());
  }

  @Test
  void invalidManifestPrintsEveryProblemTheManagerListed() throws Exception {
    Path manifest = Files.writeString(dir.resolve("bad.json"), "{}");
    String problems =
        "3 problems:\n"
            + "  id: missing\n"
            + "  algorithm.hash: missing\n"
            + "  result_consumers: at least one is needed";
    manager.onCreate = FakeManager.fail(Status.Code.INVALID_ARGUMENT, problems);

    Run run = Run.with(manager.env(), "computations", "create", manifest.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals("the manager rejected " + manifest + ": " + problems + NL, run.err());
    assertEquals("", run.out());
  }

  @Test
  void takenIdSaysSo() throws Exception {
    Path manifest = Files.writeString(dir.resolve("m.json"), "{}");
    String taken =
        "computation 'lr-2026-01' already exists (registered 2026-05-01T10:00:00Z); give the"
            + " new manifest another id";
    manager.onCreate = FakeManager.fail(Status.Code.ALREADY_EXISTS, taken);

    Run run = Run.with(manager.env(), "computations", "create", manifest.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals("cannot register " + manifest + ": " + taken + NL, run.err());
  }

  @Test
  void missingSignatureTheManagerRequiresSaysHowToSign() throws Exception {
    Path manifest = Files.writeString(dir.resolve("m.json"), "{}");
    manager.onCreate =
        FakeManager.fail(
            Status.Code.PERMISSION_DENIED,
            "this manager requires an owner signature on the manifest");

    Run run = Run.with(manager.env(), "computations", "create", manifest.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "the manager refused "
            + manifest
            + ": this manager requires an owner signature on the manifest"
            + NL
            + "Sign it with: cocos-cli manifest sign "
            + manifest
            + " --key OWNER_PRIVATE.pem, and pass --signature "
            + manifest
            + ".sig"
            + NL,
        run.err());
  }

  @Test
  void unreadableFilesFailBeforeAnythingIsSent() throws Exception {
    Path manifest = Files.writeString(dir.resolve("m.json"), "{}");
    Path sig = Files.writeString(dir.resolve("m.json.sig"), "not base64!\n");

    Run missing =
        Run.with(manager.env(), "computations", "create", dir.resolve("no.json").toString());
    Run badSig =
        Run.with(
            manager.env(), "computations", "create", manifest.toString(), "-s", sig.toString());

    assertEquals(1, missing.exitCode(), missing::toString);
    assertEquals(dir.resolve("no.json") + ": no such file" + NL, missing.err());
    assertEquals(1, badSig.exitCode(), badSig::toString);
    assertTrue(
        badSig.err().startsWith("--signature " + sig + ": not base64 text"), badSig::toString);
    assertEquals(List.of(), manager.creates);
  }

  // ---------------------------------------------------------------------------------- list

  @Test
  void listPrintsATable() {
    Computation bound =
        computation("Running").toBuilder()
            .setId("other")
            .setName("")
            .setCvmId("5b0c5f3e-1111-4222-8333-944445555666")
            .setUpdated(at("2026-05-02T08:30:00Z"))
            .build();
    manager.onList =
        FakeManager.reply(
            ListResponse.newBuilder()
                .addComputations(computation("Registered"))
                .addComputations(bound)
                .build());

    Run run = Run.with(manager.env(), "computations", "list");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(
        "ID          NAME               STATE       CVM                                   UPDATED"
            + NL
            + "lr-2026-01  Linear regression  Registered  -                                     "
            + "2026-05-01T10:00:01.250Z"
            + NL
            + "other       -                  Running     5b0c5f3e-1111-4222-8333-944445555666  "
            + "2026-05-02T08:30:00.000Z"
            + NL,
        run.out());
  }

  @Test
  void emptyListSaysHowToRegister() {
    manager.onList = FakeManager.reply(ListResponse.getDefaultInstance());

    Run text = Run.with(manager.env(), "computations", "list");
    Run json = Run.with(manager.env(), "computations", "list", "--json");

    assertEquals(0, text.exitCode(), text::toString);
    assertEquals(
        "No computations are registered with the manager at "
            + manager.address()
            + "; register one with: cocos-cli computations create MANIFEST"
            + NL,
        text.out());
    assertEquals("{\"computations\":[]}" + NL, json.out());
  }

  // ---------------------------------------------------------------------------------- show

  @Test
  void showPrintsTheComputationAndItsEvents() {
    manager.onGet =
        FakeManager.reply(
            GetResponse.newBuilder()
                .setComputation(computation("Registered"))
                .addEvents(
                    event(1, "2026-05-01T10:00:00Z", "manager", "Registered", "Registered")
                        .toBuilder()
                        .setMessage("computation registered"))
                .addEvents(
                    event(
                            2,
                            "2026-05-01T10:00:01.250Z",
                            "agent",
                            "ReceivingManifest",
                            "ReceivingManifest")
                        .toBuilder()
                        .setStatus("InProgress")
                        .setDetails(ByteString.copyFromUtf8("{\"step\":1}")))
                .addEvents(
                    log(3, "2026-05-01T10:00:01.5Z", "warn", "slow disk", "ReceivingManifest"))
                .build());

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("lr-2026-01", manager.gets.get(0).getId());
    assertEquals(
        BLOCK
            + NL
            + "events:"
            + NL
            + "  2026-05-01T10:00:00.000Z  event  manager  Registered: computation registered"
            + "  [state Registered]"
            + NL
            + "  2026-05-01T10:00:01.250Z  event  agent  ReceivingManifest InProgress {\"step\":1}"
            + "  [state ReceivingManifest]"
            + NL
            + "  2026-05-01T10:00:01.500Z  log    computation-runner  warn: slow disk"
            + NL,
        run.out());
  }

  @Test
  void showJsonHoldsTheComputationAndTheEvents() {
    manager.onGet =
        FakeManager.reply(
            GetResponse.newBuilder()
                .setComputation(computation("Registered"))
                .addEvents(log(7, "2026-05-01T10:00:00Z", "info", "hello", "Running"))
                .build());

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01", "--json");

    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("{\"computation\":{\"id\":\"lr-2026-01\","), run::toString);
    assertTrue(
        run.out()
            .endsWith(
                "\"events\":[{\"seq\":7,\"time\":\"2026-05-01T10:00:00.000Z\",\"kind\":\"log\","
                    + "\"originator\":\"computation-runner\",\"type\":\"\",\"status\":\"\","
                    + "\"level\":\"info\",\"message\":\"hello\",\"details\":\"\","
                    + "\"state\":\"Running\"}]}"
                    + NL),
        run::toString);
  }

  @Test
  void unknownComputationIsNamed() {
    manager.onGet = FakeManager.fail(Status.Code.NOT_FOUND, "no computation 'nope' is registered");
    manager.onWatch =
        FakeManager.fail(Status.Code.NOT_FOUND, "no computation 'nope' is registered");

    Run show = Run.with(manager.env(), "computations", "show", "nope");
    Run follow = Run.with(manager.env(), "computations", "show", "nope", "--follow");

    String expected =
        "no computation 'nope' at the manager; 'cocos-cli computations list' shows the"
            + " registered ones"
            + NL;
    assertEquals(1, show.exitCode(), show::toString);
    assertEquals(expected, show.err());
    assertEquals(1, follow.exitCode(), follow::toString);
    assertEquals(expected, follow.err());
    assertEquals("", follow.out());
  }

  @Test
  void followPrintsEachEventAsItArrivesUntilTheStreamEnds() throws Exception {
    // The CLI's output, readable while it runs: the server sends the second half only once the
    // first event is on the screen, so a CLI that printed at the end would never get it.
    StringWriter live = new StringWriter();
    String firstLine =
        "  2026-05-01T10:00:00.000Z  event  manager  Registered: computation registered"
            + "  [state Registered]";
    manager.onWatch =
        (request, response) -> {
          response.onNext(
              WatchResponse.newBuilder().setComputation(computation("Registered")).build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(
                      event(1, "2026-05-01T10:00:00Z", "manager", "Registered", "Registered")
                          .toBuilder()
                          .setMessage("computation registered"))
                  .build());
          long until = System.nanoTime() + 5_000_000_000L;
          while (!live.toString().contains(firstLine)) {
            if (System.nanoTime() > until) {
              response.onError(
                  Status.ABORTED.withDescription("the first event was not printed").asException());
              return;
            }
            sleep(5);
          }
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(event(2, "2026-05-01T10:00:02Z", "agent", "Running", "Running"))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(log(3, "2026-05-01T10:00:03Z", "info", "epoch 1 done", "Running"))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setComputation(computation("Running").toBuilder().setCvmId("vm-1"))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(
                      event(4, "2026-05-01T10:00:04Z", "agent", "Complete", "Complete").toBuilder()
                          .setStatus("Completed"))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setComputation(
                      computation("Complete").toBuilder().setTerminal(true).setCvmId("vm-1"))
                  .build());
          response.onCompleted();
        };
    CommandLine cli = Main.commandLine(manager.env()::get);
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(live, true));
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("computations", "show", "lr-2026-01", "--follow");

    assertEquals(0, code, () -> live + "\n" + err);
    assertEquals(0, manager.watches.get(0).getAfterSeq());
    assertEquals("lr-2026-01", manager.watches.get(0).getId());
    assertEquals(
        BLOCK
            + NL
            + "events:"
            + NL
            + firstLine
            + NL
            + "  2026-05-01T10:00:02.000Z  event  agent  Running  [state Running]"
            + NL
            + "  2026-05-01T10:00:03.000Z  log    computation-runner  info: epoch 1 done"
            + NL
            + "  2026-05-01T10:00:04.000Z  event  agent  Complete Completed  [state Complete]"
            + NL
            + "Computation 'lr-2026-01' ended: Complete."
            + NL,
        live.toString());
    assertEquals("", err.toString());
  }

  @Test
  void followResumesAfterTheLastEventWhenCutOffForReadingTooSlowly() {
    manager.onWatch =
        (request, response) -> {
          if (request.getAfterSeq() == 0) {
            response.onNext(
                WatchResponse.newBuilder().setComputation(computation("Registered")).build());
            response.onNext(
                WatchResponse.newBuilder()
                    .setEvent(
                        event(1, "2026-05-01T10:00:00Z", "manager", "Registered", "Registered"))
                    .build());
            response.onNext(
                WatchResponse.newBuilder()
                    .setEvent(log(2, "2026-05-01T10:00:01Z", "info", "one", "Registered"))
                    .build());
            response.onError(
                Status.RESOURCE_EXHAUSTED
                    .withDescription(
                        "the watch fell 1024 messages behind; watch again with after_seq=2")
                    .asException());
            return;
          }
          response.onNext(
              WatchResponse.newBuilder()
                  .setComputation(
                      computation("Failed").toBuilder().setTerminal(true).setError("exit 3"))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(event(3, "2026-05-01T10:00:02Z", "agent", "Failed", "Failed"))
                  .build());
          response.onCompleted();
        };

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01", "-f");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(2, manager.watches.size());
    assertEquals(2, manager.watches.get(1).getAfterSeq());
    assertTrue(
        run.out()
            .endsWith(
                "events:"
                    + NL
                    + "  2026-05-01T10:00:00.000Z  event  manager  Registered  [state Registered]"
                    + NL
                    + "  2026-05-01T10:00:01.000Z  log    computation-runner  info: one"
                    + NL
                    + "  2026-05-01T10:00:01.250Z  state  Failed: exit 3"
                    + NL
                    + "  2026-05-01T10:00:02.000Z  event  agent  Failed"
                    + NL
                    + "Computation 'lr-2026-01' ended: Failed: exit 3."
                    + NL),
        run::toString);
  }

  @Test
  void followGivesUpWhenAResumedWatchGetsNoFurther() {
    manager.onWatch =
        (request, response) -> {
          response.onNext(
              WatchResponse.newBuilder().setComputation(computation("Running")).build());
          response.onError(
              Status.RESOURCE_EXHAUSTED.withDescription("the watch fell behind").asException());
        };

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01", "--follow");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(1, manager.watches.size());
    assertEquals(
        "cannot show computation 'lr-2026-01': the manager answered RESOURCE_EXHAUSTED: the watch"
            + " fell behind"
            + NL,
        run.err());
  }

  @Test
  void followFailsWhenTheStreamEndsBeforeTheComputation() {
    manager.onWatch =
        (request, response) -> {
          response.onNext(
              WatchResponse.newBuilder().setComputation(computation("Running")).build());
          response.onCompleted();
        };

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01", "--follow");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "the manager at "
            + manager.address()
            + " ended the watch before computation 'lr-2026-01' ended (state Running); run the"
            + " command again to keep following"
            + NL,
        run.err());
  }

  @Test
  void followJsonPrintsOneObjectPerMessage() {
    manager.onWatch =
        (request, response) -> {
          response.onNext(
              WatchResponse.newBuilder()
                  .setComputation(computation("Complete").toBuilder().setTerminal(true))
                  .build());
          response.onNext(
              WatchResponse.newBuilder()
                  .setEvent(event(1, "2026-05-01T10:00:00Z", "manager", "Registered", "Registered"))
                  .build());
          response.onCompleted();
        };

    Run run = Run.with(manager.env(), "computations", "show", "lr-2026-01", "--follow", "--json");

    assertEquals(0, run.exitCode(), run::toString);
    String[] lines = run.out().split("\\R");
    assertEquals(2, lines.length, run::toString);
    assertTrue(lines[0].startsWith("{\"computation\":{\"id\":\"lr-2026-01\""), lines[0]);
    assertTrue(lines[0].contains("\"terminal\":true"), lines[0]);
    assertEquals(
        "{\"event\":{\"seq\":1,\"time\":\"2026-05-01T10:00:00.000Z\",\"kind\":\"event\","
            + "\"originator\":\"manager\",\"type\":\"Registered\",\"status\":\"\",\"level\":\"\","
            + "\"message\":\"\",\"details\":\"\",\"state\":\"Registered\"}}",
        lines[1]);
  }

  @Test
  void groupWithoutSubcommandIsAUsageError() {
    Run run = Run.with(Map.of(), "computations");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("Missing required subcommand"), run::toString);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
