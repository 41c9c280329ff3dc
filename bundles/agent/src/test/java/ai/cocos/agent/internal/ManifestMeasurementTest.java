package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.State;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.RuntimeMeasurements;
import ai.cocos.manifest.ManifestCanonical;
import ai.cocos.tee.vtpm.ManifestPcr;
import ai.cocos.tee.vtpm.VtpmAttachments;
import ai.cocos.tee.vtpm.VtpmProvider;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent measures each manifest it accepts (PCR16 through the vTPM provider on a real software
 * TPM, swtpm) before the computation exists, refuses the manifest with an event when a TPM is there
 * and the measurement fails, proceeds without a TPM, and never touches PCR16 for a manifest it
 * refuses for being busy.
 */
class ManifestMeasurementTest {
  private static final byte[] ALGORITHM = TestSupport.utf8("#!/bin/sh\necho hi\n");

  @TempDir static Path tpmDir;
  static Process swtpm;
  static String device;

  @TempDir Path tmp;
  AgentRuntime agent;
  final TestSupport.Recorder events = new TestSupport.Recorder();

  @BeforeAll
  static void startTpm() throws Exception {
    String exe = null;
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (new File(d, "swtpm").canExecute()) {
        exe = d + "/swtpm";
      }
    }
    if (exe == null) {
      String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    Path sock = tpmDir.resolve("tpm.sock");
    swtpm =
        new ProcessBuilder(
                exe,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + Files.createDirectories(tpmDir.resolve("state")),
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + tpmDir.resolve("ctrl.sock"),
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(tpmDir.resolve("swtpm.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(sock)) {
      if (!swtpm.isAlive() || System.nanoTime() > deadline) {
        swtpm.destroyForcibly();
        throw new IOException(
            "swtpm did not come up: " + Files.readString(tpmDir.resolve("swtpm.log")));
      }
      Thread.sleep(20);
    }
    device = "unix:" + sock;
  }

  private static boolean accepts(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return c.connect(UnixDomainSocketAddress.of(sock));
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stopTpm() throws Exception {
    if (swtpm != null) {
      swtpm.destroy();
      if (!swtpm.waitFor(5, TimeUnit.SECONDS)) {
        swtpm.destroyForcibly();
      }
    }
  }

  AgentRuntime agent() {
    TestSupport.Settings s = new TestSupport.Settings(tmp.resolve("work"));
    agent =
        new AgentRuntime(
            s.build(), type -> new HoldingRunner(), Clock.systemUTC(), DiskSpace.FILE_STORE);
    agent.subscribe(events);
    return agent;
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.deactivate();
    }
  }

  VtpmProvider vtpm(String address) {
    return new VtpmProvider(
        VtpmSettings.defaults().withDevice(address).withEventLog(tmp.resolve("no-event-log")));
  }

  static Manifest manifest() {
    return TestSupport.twoDatasets(TestSupport.newId(), ALGORITHM);
  }

  List<AgentEvent> measurementEvents() {
    return events.events.stream()
        .filter(e -> e.eventType().equals(ManifestMeasurement.EVENT))
        .toList();
  }

  @Test
  void theManifestIsInPcr16BeforeTheComputationExists() throws Exception {
    AgentRuntime a = agent();
    VtpmProvider tpm = vtpm(device);
    List<Optional<ComputationService>> during = new CopyOnWriteArrayList<>();
    a.addMeasurements(
        (domain, content) -> {
          during.add(a.current());
          return tpm.extend(domain, content);
        });
    Manifest m = manifest();

    ComputationService c = a.start(m);

    assertEquals(List.of(Optional.empty()), during, "no computation (no upload) while measuring");
    assertEquals(m.id(), c.id());
    String expected =
        HexFormat.of().formatHex(ManifestPcr.expected("sha256", ManifestCanonical.bytes(m)));
    AgentEvent measured = measurementEvents().get(0);
    assertEquals("Completed", measured.status());
    assertEquals(m.id(), measured.computationId());
    assertTrue(measured.details().contains("\"register\":\"PCR16\""), measured.details());
    assertTrue(
        measured.details().contains("\"value.sha256\":\"" + expected + "\""), measured.details());
    // The quote the TPM gives now shows it.
    Evidence e = tpm.gather(new EvidenceRequest(new byte[0], new byte[32]));
    String pcrs =
        new String(e.attachments().get(VtpmAttachments.PCRS), StandardCharsets.UTF_8)
            .replaceAll("\\s", "");
    assertTrue(pcrs.contains("\"16\":\"" + expected + "\""), pcrs);
  }

  @Test
  void aTpmThatFailsRefusesTheManifestWithAnEvent() throws Exception {
    AgentRuntime a = agent();
    Path dead = Files.createFile(tmp.resolve("dead.sock"));
    VtpmProvider broken = vtpm("unix:" + dead);
    a.addMeasurements(broken);
    Manifest m = manifest();

    AgentException e = assertThrows(AgentException.class, () -> a.start(m));

    assertEquals(AgentException.Kind.INTERNAL, e.kind());
    assertTrue(
        e.getMessage()
            .startsWith(
                "manifest refused: it could not be measured, so this VM's attestation could not"
                    + " show which manifest it holds: vTPM unix:"
                    + dead
                    + " PCR16: "),
        e.getMessage());
    assertTrue(a.current().isEmpty(), "no computation, so nothing can be uploaded");
    assertEquals(State.ReceivingManifest, a.state());
    AgentEvent failed = measurementEvents().get(0);
    assertEquals("Failed", failed.status());
    assertEquals(m.id(), failed.computationId());
    assertTrue(failed.details().contains("PCR16"), failed.details());

    // Once the broken TPM is gone the agent accepts manifests again.
    a.removeMeasurements(broken);
    assertEquals(m.id(), a.start(m).id());
  }

  @Test
  void withoutATpmTheComputationStartsUnmeasured() throws Exception {
    AgentRuntime a = agent();
    a.addMeasurements(vtpm(tmp.resolve("tpmrm0").toString()));
    Manifest m = manifest();
    assertEquals(m.id(), a.start(m).id());
    assertEquals(List.of(), measurementEvents());
  }

  @Test
  void aManifestRefusedForABusyAgentIsNotMeasured() throws Exception {
    AgentRuntime a = agent();
    AtomicInteger calls = new AtomicInteger();
    a.addMeasurements(
        (domain, content) -> {
          assertEquals(RuntimeMeasurements.MANIFEST, domain);
          calls.incrementAndGet();
          return Optional.empty();
        });
    a.start(manifest());
    AgentException busy = assertThrows(AgentException.class, () -> a.start(manifest()));
    assertEquals(AgentException.Kind.BUSY, busy.kind());
    assertEquals(1, calls.get(), "PCR16 still holds the running computation's manifest");
  }

  @Test
  void theComponentFollowsMeasurementServicesDynamically() throws Exception {
    String xml =
        Files.readString(
            Path.of("target", "classes", "OSGI-INF", "ai.cocos.agent.internal.AgentRuntime.xml"));
    assertTrue(
        xml.contains(
            "<reference name=\"measurements\" cardinality=\"0..n\" policy=\"dynamic\""
                + " interface=\"ai.cocos.api.tee.RuntimeMeasurements\" bind=\"addMeasurements\""
                + " unbind=\"removeMeasurements\"/>"),
        xml);
  }
}
