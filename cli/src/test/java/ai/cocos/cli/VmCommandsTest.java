package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import com.google.protobuf.Empty;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code create-vm} and {@code remove-vm} against a real gRPC server playing the manager. */
class VmCommandsTest {
  static final String NL = System.lineSeparator();
  static final String CVM = "5b0c5f3e-1111-4222-8333-944445555666";

  @TempDir Path dir;

  private FakeManager manager;

  @BeforeEach
  void start() throws Exception {
    manager = FakeManager.start();
    manager.onCreateVm =
        FakeManager.reply(CreateRes.newBuilder().setCvmId(CVM).setForwardedPort("6100").build());
  }

  @AfterEach
  void stop() throws Exception {
    manager.close();
  }

  @Test
  void createVmSendsEveryFieldAndPrintsIdAndPort() throws Exception {
    byte[] ca = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".getBytes();
    byte[] key = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n".getBytes();
    byte[] crt = "-----BEGIN CERTIFICATE-----\nCRT\n-----END CERTIFICATE-----\n".getBytes();
    Path caFile = Files.write(dir.resolve("ca.pem"), ca);
    Path keyFile = Files.write(dir.resolve("key.pem"), key);
    Path crtFile = Files.write(dir.resolve("crt.pem"), crt);

    Run run =
        Run.with(
            manager.env(),
            "create-vm",
            "--computation",
            "lr-2026-01",
            "--server-url",
            "cvms.example:7001",
            "--server-ca",
            caFile.toString(),
            "--client-key",
            keyFile.toString(),
            "--client-crt",
            crtFile.toString(),
            "--ca-url",
            "https://ca.example",
            "--log-level",
            "debug",
            "--ttl",
            "90m",
            "--aws-access-key-id",
            "AKID",
            "--aws-secret-access-key",
            "SECRET",
            "--aws-endpoint-url",
            "http://minio:9000",
            "--aws-region",
            "eu-west-1",
            "--aa-kbs-params",
            "type=sample");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("id: " + CVM + NL + "port: 6100" + NL, run.out());
    assertEquals("", run.err());
    CreateReq r = manager.createVms.get(0);
    assertEquals("lr-2026-01", r.getComputationId());
    assertEquals("cvms.example:7001", r.getAgentCvmServerUrl());
    assertArrayEquals(ca, r.getAgentCvmServerCaCert().toByteArray());
    assertArrayEquals(key, r.getAgentCvmClientKey().toByteArray());
    assertArrayEquals(crt, r.getAgentCvmClientCert().toByteArray());
    assertEquals("https://ca.example", r.getAgentCvmCaUrl());
    assertEquals("debug", r.getAgentLogLevel());
    assertEquals("1h30m0s", r.getTtl());
    assertEquals("AKID", r.getAwsAccessKeyId());
    assertEquals("SECRET", r.getAwsSecretAccessKey());
    assertEquals("http://minio:9000", r.getAwsEndpointUrl());
    assertEquals("eu-west-1", r.getAwsRegion());
    assertEquals("type=sample", r.getAaKbsParams());
    assertEquals("", r.getAgentCertsToken());
  }

  @Test
  void createVmForAComputationLeavesEverythingElseEmptyAndPrintsJson() {
    Run run = Run.with(manager.env(), "create-vm", "--computation", "lr-2026-01", "--json");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("{\"cvm_id\":\"" + CVM + "\",\"forwarded_port\":\"6100\"}" + NL, run.out());
    assertEquals(
        CreateReq.newBuilder().setComputationId("lr-2026-01").build(), manager.createVms.get(0));
  }

  @Test
  void unknownComputationSaysHowToRegisterIt() {
    manager.onCreateVm =
        FakeManager.fail(Status.Code.NOT_FOUND, "no computation 'nope' is registered");

    Run run = Run.with(manager.env(), "create-vm", "--computation", "nope");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "no computation 'nope' at the manager: register it first with 'cocos-cli computations"
            + " create MANIFEST' ('cocos-cli computations list' shows the registered ones)"
            + NL,
        run.err());
    assertEquals("", run.out());
  }

  @Test
  void tooManyVmsPrintsTheManagersReason() {
    manager.onCreateVm =
        FakeManager.fail(
            Status.Code.RESOURCE_EXHAUSTED,
            "maximum number of VMs exceeded (MANAGER_MAX_VMS=10): remove a VM first");

    Run run = Run.with(manager.env(), "create-vm", "--computation", "lr-2026-01");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "the manager cannot start another VM: maximum number of VMs exceeded"
            + " (MANAGER_MAX_VMS=10): remove a VM first"
            + NL,
        run.err());
  }

  @Test
  void refusalsPrintTheManagersReason() {
    manager.onCreateVm =
        FakeManager.fail(
            Status.Code.FAILED_PRECONDITION,
            "computation 'lr-2026-01' is already bound to CVM x; remove that VM first");
    Run bound = Run.with(manager.env(), "create-vm", "--computation", "lr-2026-01");
    manager.onCreateVm =
        FakeManager.fail(
            Status.Code.INVALID_ARGUMENT, "aa_kbs_params must not contain line breaks");
    Run invalid = Run.with(manager.env(), "create-vm", "--computation", "lr-2026-01");
    manager.onCreateVm = FakeManager.fail(Status.Code.INTERNAL, "disk full");
    Run internal = Run.with(manager.env(), "create-vm", "--computation", "lr-2026-01");

    assertEquals(1, bound.exitCode(), bound::toString);
    assertEquals(
        "cannot create the VM: computation 'lr-2026-01' is already bound to CVM x; remove that"
            + " VM first"
            + NL,
        bound.err());
    assertEquals(
        "cannot create the VM: the manager rejected the request: aa_kbs_params must not contain"
            + " line breaks"
            + NL,
        invalid.err());
    assertEquals(
        "cannot create the VM: the manager answered INTERNAL: disk full" + NL, internal.err());
  }

  @Test
  void usageErrorsSendNothing() {
    Run neither = Run.with(manager.env(), "create-vm");
    Run halfTls =
        Run.with(manager.env(), "create-vm", "--computation", "c", "--client-key", "k.pem");
    Run badTtl = Run.with(manager.env(), "create-vm", "--computation", "c", "--ttl", "soon");
    Run zeroTtl = Run.with(manager.env(), "create-vm", "--computation", "c", "--ttl", "0s");
    Run badManager =
        Run.with(manager.env(), "create-vm", "--computation", "c", "--manager", "nope");

    assertEquals(2, neither.exitCode(), neither::toString);
    assertTrue(neither.err().startsWith("give --computation ID"), neither::toString);
    assertEquals(2, halfTls.exitCode(), halfTls::toString);
    assertTrue(
        halfTls.err().startsWith("--client-key and --client-crt go together"), halfTls::toString);
    assertEquals(2, badTtl.exitCode(), badTtl::toString);
    assertTrue(
        badTtl.err().contains("'soon' is not a duration: a number is missing"), badTtl::toString);
    assertEquals(2, zeroTtl.exitCode(), zeroTtl::toString);
    assertTrue(zeroTtl.err().contains("'0s' is not a positive duration"), zeroTtl::toString);
    assertEquals(2, badManager.exitCode(), badManager::toString);
    assertTrue(
        badManager.err().startsWith("--manager: invalid address 'nope'"), badManager::toString);
    assertEquals(List.of(), manager.createVms);
  }

  @Test
  void missingFileFailsBeforeAnythingIsSent() {
    Path missing = dir.resolve("ca.pem");

    Run run =
        Run.with(
            manager.env(), "create-vm", "--computation", "c", "--server-ca", missing.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals("--server-ca " + missing + ": no such file" + NL, run.err());
    assertEquals(List.of(), manager.createVms);
  }

  @Test
  void removeVmSendsTheIdAndConfirms() {
    manager.onRemoveVm = FakeManager.reply(Empty.getDefaultInstance());

    Run run = Run.with(manager.env(), "remove-vm", CVM);

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(CVM, manager.removeVms.get(0).getCvmId());
    assertEquals("Removed VM " + CVM + "." + NL, run.out());
  }

  @Test
  void removingAnUnknownVmNamesIt() {
    manager.onRemoveVm = FakeManager.fail(Status.Code.NOT_FOUND, "entity not found");

    Run run = Run.with(manager.env(), "remove-vm", "nope");

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "no VM 'nope' at the manager (removed already, or ended by its TTL?)" + NL, run.err());
  }

  @Test
  void removeVmNeedsAnId() {
    Run run = Run.with(manager.env(), "remove-vm");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("Missing required parameter: 'CVM_ID'"), run::toString);
  }
}
