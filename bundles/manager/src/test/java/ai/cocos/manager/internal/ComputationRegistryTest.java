package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.OWNER;
import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manager.internal.ManagerException.Reason;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComputationRegistryTest {
  @TempDir Path state;

  private ComputationRegistry registry(Optional<PublicKey> owner, int maxEvents, Path dir)
      throws Exception {
    return new ComputationRegistry(
        new ComputationRegistry.Settings(
            new ManifestParser(), owner, maxEvents, Optional.ofNullable(dir), Clock.systemUTC()),
        null);
  }

  @Test
  void createsListsAndGets() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, null);
    Manifest m = manifest("c-1");
    ComputationView v = r.create(json(m), new byte[0]);
    assertEquals("c-1", v.id());
    assertEquals("linear regression", v.name());
    assertEquals(ComputationRegistry.REGISTERED, v.state());
    assertEquals(ManifestSignature.digest(m).hex(), v.manifestDigest());
    assertFalse(v.ownerSigned());
    assertFalse(v.terminal());
    assertEquals(
        List.of(
            new ComputationView.Party(
                "algorithm-provider", m.algorithm().userKey().fingerprint(), ""),
            new ComputationView.Party(
                "data-provider", m.datasets().get(0).userKey().fingerprint(), "a.csv"),
            new ComputationView.Party(
                "data-provider", m.datasets().get(1).userKey().fingerprint(), "b.zip"),
            new ComputationView.Party(
                "consumer", m.resultConsumers().get(0).userKey().fingerprint(), "")),
        v.parties());
    r.create(json(manifest("c-2")), new byte[0]);
    assertEquals(List.of("c-1", "c-2"), r.list().stream().map(ComputationView::id).toList());
    assertEquals(m, r.manifest("c-1"));
    assertEquals("Registered", r.events("c-1").get(0).type());
    ManagerException missing = assertThrows(ManagerException.class, () -> r.get("nope"));
    assertEquals(Reason.NOT_FOUND, missing.reason());
    assertEquals("no computation 'nope' is registered", missing.getMessage());
  }

  @Test
  void invalidManifestListsEveryProblem() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, null);
    String bad =
        """
        {"id": "bad id!", "datasets": [{"hash": "xyz", "filename": "../x"}],
         "algorithm": {"hash": "00"}, "result_consumers": [], "colour": 1}
        """;
    ManagerException e =
        assertThrows(
            ManagerException.class,
            () -> r.create(bad.getBytes(StandardCharsets.UTF_8), new byte[0]));
    assertEquals(Reason.INVALID_ARGUMENT, e.reason());
    String msg = e.getMessage();
    assertTrue(msg.matches("(?s)\\d+ problems in the manifest:.*"), msg);
    for (String path :
        List.of(
            "id:",
            "datasets[0].hash:",
            "datasets[0].userKey:",
            "datasets[0].filename:",
            "algorithm.hash:",
            "algorithm.userKey:",
            "result_consumers:",
            "colour")) {
      assertTrue(msg.contains(path), path + " missing from: " + msg);
    }
    assertTrue(r.list().isEmpty());
  }

  @Test
  void duplicateIdIsRefusedNamingIt() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, null);
    r.create(json(manifest("dup")), new byte[0]);
    ManagerException e =
        assertThrows(ManagerException.class, () -> r.create(json(manifest("dup")), new byte[0]));
    assertEquals(Reason.ALREADY_EXISTS, e.reason());
    assertTrue(e.getMessage().startsWith("computation 'dup' already exists"), e.getMessage());
  }

  @Test
  void ownerSignatureRequiredWhenConfigured() throws Exception {
    ComputationRegistry r = registry(Optional.of(OWNER.getPublic()), 100, null);
    Manifest m = manifest("signed");
    String who = PemKeys.fingerprint(OWNER.getPublic());

    ManagerException unsigned =
        assertThrows(ManagerException.class, () -> r.create(json(m), new byte[0]));
    assertEquals(Reason.PERMISSION_DENIED, unsigned.reason());
    assertTrue(
        unsigned.getMessage().startsWith("manifest is not signed, but this manager requires"),
        unsigned.getMessage());
    assertTrue(unsigned.getMessage().contains(who));

    byte[] other = ManifestSignature.sign(m, PemKeys.generate(KeyType.ED25519).getPrivate());
    ManagerException wrong = assertThrows(ManagerException.class, () -> r.create(json(m), other));
    assertEquals(Reason.PERMISSION_DENIED, wrong.reason());
    assertTrue(wrong.getMessage().startsWith("manifest signature does not verify"));

    byte[] good = ManifestSignature.sign(m, OWNER.getPrivate());
    ComputationView v = r.create(json(m), good);
    assertTrue(v.ownerSigned());
    assertArrayEquals(good, r.ownerSignature("signed"));
  }

  @Test
  void agentReportsMoveTheStateAndEventsAreBounded() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 5, null);
    r.create(json(manifest("c")), new byte[0]);
    r.agentEvent("c", null, "agent", "ReceivingAlgorithm", "InProgress", "{}".getBytes());
    assertEquals("ReceivingAlgorithm", r.get("c").state());
    r.agentEvent("c", null, "computation-runner", "AlgorithmRun", "Warning", new byte[0]);
    assertEquals("ReceivingAlgorithm", r.get("c").state(), "not a state name");
    for (int i = 0; i < 10; i++) {
      r.agentLog("c", null, "info", "line " + i);
    }
    ComputationView v = r.get("c");
    assertEquals(13, v.lastSeq());
    assertEquals(8, v.droppedEvents());
    List<EventRecord> events = r.events("c");
    assertEquals(5, events.size());
    assertEquals(9, events.get(0).seq());
    assertEquals("line 9", events.get(4).message());
    assertEquals(EventRecord.Kind.LOG, events.get(4).kind());

    r.agentEvent("c", null, "agent", "Complete", "Completed", new byte[0]);
    assertTrue(r.get("c").terminal());
    r.agentEvent("c", null, "agent", "Running", "InProgress", new byte[0]);
    assertEquals("Complete", r.get("c").state(), "a terminal state never changes");
  }

  @Test
  void watchReplaysThenFollowsThenEnds() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, null);
    r.create(json(manifest("w")), new byte[0]);
    r.agentLog("w", null, "info", "before");
    List<String> seen = new ArrayList<>();
    r.watch(
        "w",
        1,
        new ComputationRegistry.Watcher() {
          @Override
          public void computation(ComputationView view) {
            seen.add("state " + view.state());
          }

          @Override
          public void event(EventRecord event) {
            seen.add(event.seq() + " " + event.type() + event.message());
          }

          @Override
          public void end() {
            seen.add("end");
          }
        });
    r.agentEvent("w", null, "agent", "Running", "Starting", new byte[0]);
    r.runResponse("w", "cannot listen");
    r.agentLog("w", null, "info", "after the end");
    assertEquals(
        List.of(
            "state Registered",
            "2 before",
            "3 Running",
            "state Running",
            "4 RunResponseagent could not start the computation: cannot listen",
            "state Failed",
            "end"),
        seen);
    assertEquals("cannot listen", r.get("w").error());
  }

  @Test
  void bindingOneCvmAtATime() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, null);
    r.create(json(manifest("b")), new byte[0]);
    r.bind("b", "cvm-1");
    assertEquals(Optional.of("b"), r.boundTo("cvm-1"));
    ManagerException twice = assertThrows(ManagerException.class, () -> r.bind("b", "cvm-2"));
    assertEquals(Reason.FAILED_PRECONDITION, twice.reason());
    assertTrue(twice.getMessage().contains("already bound to CVM cvm-1"));
    r.unbind("b", "cvm-1", true, "removed");
    assertEquals(Optional.empty(), r.boundTo("cvm-1"));
    assertEquals(ComputationRegistry.REMOVED, r.get("b").state());
    assertThrows(ManagerException.class, () -> r.bind("b", "cvm-3"));
  }

  @Test
  void persistsAndLoadsBack() throws Exception {
    ComputationRegistry r = registry(Optional.empty(), 100, state);
    Manifest m = manifest("p");
    byte[] sig = ManifestSignature.sign(m, OWNER.getPrivate());
    r.create(json(m), sig);
    r.bind("p", "cvm-9");
    r.runRequestSent("p", 100, 2);
    r.runResponse("p", "");
    r.agentEvent("p", null, "agent", "ReceivingData", "InProgress", "{\"x\":1}".getBytes());
    r.close();
    Path file = state.resolve("computations/p.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    ComputationRegistry again = registry(Optional.empty(), 100, state);
    ComputationView v = again.get("p");
    assertEquals("ReceivingData", v.state());
    assertEquals("cvm-9", v.cvmId());
    assertTrue(v.runRequestAnswered());
    assertFalse(again.claimRunRequest("p"), "an answered run request is never sent again");
    assertEquals(m, again.manifest("p"));
    assertArrayEquals(sig, again.ownerSignature("p"));
    assertEquals(
        r.events("p").stream().map(e -> e.seq() + e.type() + e.state() + e.time()).toList(),
        again.events("p").stream().map(e -> e.seq() + e.type() + e.state() + e.time()).toList());
    assertEquals("{\"x\":1}", ComputationRegistry.text(again.events("p").get(4).details()));
    assertEquals(Optional.of("p"), again.boundTo("cvm-9"));
    // Events keep their sequence after a restart.
    again.agentLog("p", null, "info", "later");
    assertEquals(r.get("p").lastSeq() + 1, again.get("p").lastSeq());
  }
}
