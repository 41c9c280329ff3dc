package ai.cocos.manager.internal;

import static ai.cocos.manager.internal.TestSupport.await;
import static ai.cocos.manager.internal.TestSupport.json;
import static ai.cocos.manager.internal.TestSupport.manifest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.manager.internal.QemuVmBackend.QemuVm;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager with the QEMU backend booting real VMs: QEMU under TCG (or KVM where it works), a
 * real swtpm per VM, OVMF without a guest kernel (it boots, prints to the serial console and idles,
 * which is enough for the lifecycle). At most two VMs at a time, 256 MB and one CPU each: TCG is
 * CPU-heavy and the machine is shared.
 */
class QemuBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path tmp;
  private Path state;
  private int firstPort;
  private Map<String, Object> managerConfig;
  private Map<String, Object> qemuConfig;
  private QemuVmBackend backend;
  private TestSupport.Harness manager;
  private ManagerServiceGrpc.ManagerServiceBlockingStub vms;

  @BeforeEach
  void host() throws Exception {
    QemuHost.require();
    state = tmp.resolve("s");
    try (ServerSocket probe = new ServerSocket(0)) {
      firstPort = probe.getLocalPort();
    }
  }

  private void start(Map<String, Object> managerOverrides, Map<String, Object> qemuOverrides)
      throws Exception {
    managerConfig = new HashMap<>();
    managerConfig.put("backend", "qemu");
    managerConfig.put("stateDir", state.toString());
    managerConfig.put("hostFwdRange", firstPort + "-" + (firstPort + 20));
    managerConfig.put("smpCount", 1);
    // OVMF without an OS ignores the ACPI power button: quit follows after the grace.
    managerConfig.put("stopGraceMillis", 1000L);
    managerConfig.putAll(managerOverrides);
    qemuConfig = new HashMap<>();
    qemuConfig.put("enableKvm", "false");
    qemuConfig.put("tee", "none");
    qemuConfig.put("memorySize", "256M");
    qemuConfig.put("diskImgKernelFile", "");
    qemuConfig.put("diskImgRootfsFile", "");
    qemuConfig.putAll(qemuOverrides);
    restart();
  }

  /** A new manager (and backend) over the same state folder, as after a manager restart. */
  private void restart() throws Exception {
    ManagerConfig config = TestSupport.config(managerConfig);
    backend =
        (QemuVmBackend)
            ManagerRuntime.backend(config, TestSupport.qemuConfig(qemuConfig), System.getenv());
    manager = new TestSupport.Harness(new ManagerRuntime(config, backend, Clock.systemUTC()));
    vms = ManagerServiceGrpc.newBlockingStub(manager.channel);
  }

  private ManagerServiceGrpc.ManagerServiceBlockingStub vms() {
    return vms.withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  @AfterEach
  void removeEverything() throws Exception {
    if (manager != null) {
      for (String id : manager.runtime.vms().ids()) {
        try {
          manager.runtime.vms().remove(id);
        } catch (ManagerException e) {
          // already gone
        }
      }
      manager.close();
    }
    // Whatever a failed test left running: never leave a QEMU or swtpm behind.
    List<Long> left = QemuHost.processesMentioning(tmp);
    for (long pid : left) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    assertEquals(List.of(), left, "processes left running");
  }

  private GetResponse computation(String id) {
    return ComputationsGrpc.newBlockingStub(manager.channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .get(GetRequest.newBuilder().setId(id).build());
  }

  private Path vmDir(String id) {
    return state.resolve("vms").resolve(id);
  }

  private String createVm(String computation, String ttl) throws ManagerException {
    CreateReq.Builder req = CreateReq.newBuilder();
    if (computation != null) {
      manager.runtime.registry().create(json(manifest(computation)), new byte[0]);
      req.setComputationId(computation);
    }
    if (ttl != null) {
      req.setTtl(ttl);
    }
    return vms().createVm(req.build()).getCvmId();
  }

  private void awaitConsole(String id, String text) throws InterruptedException {
    Path console = vmDir(id).resolve("console.log");
    await(
        () -> QemuVmBackend.consoleTail(console, 50).stream().anyMatch(l -> l.contains(text)),
        WAIT,
        "'" + text + "' on the console of " + id);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private List<Path> leftIn(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  void aVmBootsWithItsVtpmAndSharesAndIsRemovedWithoutATrace() throws Exception {
    // auto: the probe decides; under either accelerator the firmware must actually run.
    start(Map.of(), Map.of("enableKvm", "auto"));
    manager.runtime.registry().create(json(manifest("life")), new byte[0]);
    var res =
        vms()
            .createVm(
                CreateReq.newBuilder()
                    .setComputationId("life")
                    .setAgentCvmClientCert(ByteString.copyFromUtf8("CERT PEM"))
                    .setAgentCvmClientKey(ByteString.copyFromUtf8("KEY PEM"))
                    .setAaKbsParams("cc_kbc::http://10.0.2.2:8080")
                    .build());
    String id = res.getCvmId();
    int port = Integer.parseInt(res.getForwardedPort());
    assertEquals(firstPort, port);
    Path dir = vmDir(id);

    // The guest's view: certificates under /etc/certs, the manager at 10.0.2.2.
    String env = Files.readString(dir.resolve("env/environment"));
    assertTrue(env.contains("AGENT_CVM_GRPC_URL=10.0.2.2:" + manager.port() + "\n"), env);
    assertTrue(env.contains("AGENT_CVM_GRPC_CLIENT_CERT=/etc/certs/cert.pem\n"), env);
    assertTrue(env.contains("AGENT_CVM_GRPC_CLIENT_KEY=/etc/certs/key.pem\n"), env);

    // QEMU runs exactly the command line QemuCommand builds for this VM.
    long qemuPid = QemuHost.pid(state, id, "qemu");
    long swtpmPid = QemuHost.pid(state, id, "swtpm");
    QemuCommand.Host host = backend.hostValues();
    assertEquals(
        QemuCommand.build(
            TestSupport.qemuConfig(qemuConfig),
            host,
            new QemuCommand.Vm(
                id,
                port,
                new QemuFiles(dir),
                dir.resolve("certs"),
                dir.resolve("env"),
                "cc_kbc::http://10.0.2.2:8080")),
        QemuHost.cmdline(qemuPid));
    assertTrue(QemuHost.alive(swtpmPid));
    assertEquals(
        List.of(
            "swtpm",
            "socket",
            "--tpmstate",
            "dir=" + dir.resolve("tpm") + ",mode=0600",
            "--ctrl",
            "type=unixio,path=" + dir.resolve("tpm/swtpm-sock") + ",mode=0600",
            "--tpm2",
            "--daemon",
            "--terminate",
            "--pid",
            "file=" + dir.resolve("tpm/swtpm.pid")),
        QemuHost.cmdline(swtpmPid));

    // Every per-VM file lives in the VM's folder, private.
    assertEquals("rw-------", mode(dir.resolve("OVMF_VARS.fd")));
    assertEquals(Files.size(QemuHost.OVMF_VARS), Files.size(dir.resolve("OVMF_VARS.fd")));
    assertEquals("rwx------", mode(dir.resolve("tpm")));
    assertEquals("rw-------", mode(dir.resolve("console.log")));
    assertTrue(Files.exists(dir.resolve("qmp.sock")));

    // QMP answers; the firmware prints on the console and initialises the vTPM.
    QemuVm vm = backend.vm(id).orElseThrow();
    Object status = vm.qmp().execute("query-status", Map.of());
    assertEquals("running", ((Map<?, ?>) status).get("status"));
    awaitConsole(id, "BdsDxe");
    Path tpmState = dir.resolve("tpm/tpm2-00.permall");
    await(() -> Files.exists(tpmState), WAIT, "the vTPM's state");

    CVMInfoRes info = vms().cVMInfo(CVMInfoReq.newBuilder().setId(id).build());
    assertEquals(host.cpu(), info.getCpuType());
    assertEquals(host.kvm() ? "EPYC" : "qemu64", info.getCpuType());
    assertEquals(1, info.getCpuNum());

    // RemoveVm: QEMU and swtpm end, every file is overwritten, then deleted.
    Path witnesses = Files.createDirectories(tmp.resolve("witnesses"));
    Files.createLink(witnesses.resolve("console"), dir.resolve("console.log"));
    Files.createLink(witnesses.resolve("tpm"), tpmState);
    Files.createLink(witnesses.resolve("vars"), dir.resolve("OVMF_VARS.fd"));
    Files.createLink(witnesses.resolve("key"), dir.resolve("certs/key.pem"));
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    assertFalse(QemuHost.alive(qemuPid), "QEMU ended");
    assertFalse(QemuHost.alive(swtpmPid), "swtpm ended");
    assertFalse(Files.exists(dir));
    assertFalse(Files.exists(state.resolve("vms").resolve(id + ".json")));
    assertEquals(List.of(), leftIn(state.resolve("vms")));
    try (Stream<Path> s = Files.list(witnesses)) {
      for (Path w : s.toList()) {
        byte[] b = Files.readAllBytes(w);
        assertTrue(b.length > 0, w + " had content");
        assertArrayEquals(new byte[b.length], b, w + " overwritten with zeros");
      }
    }
    assertEquals("Removed", computation("life").getComputation().getState());
  }

  @Test
  void aVmThatEndsUnexpectedlyFailsItsComputationWithTheConsolesLastLines() throws Exception {
    start(Map.of(), Map.of());
    String id = createVm("crash", null);
    long qemuPid = QemuHost.pid(state, id, "qemu");
    long swtpmPid = QemuHost.pid(state, id, "swtpm");
    awaitConsole(id, "BdsDxe");
    ProcessHandle.of(qemuPid).orElseThrow().destroyForcibly();
    await(
        () -> computation("crash").getComputation().getState().equals("Failed"),
        WAIT,
        "the computation to fail");
    GetResponse c = computation("crash");
    assertTrue(
        c.getComputation().getError().contains("ended unexpectedly (exit code 137)"),
        c.getComputation().getError());
    ComputationEvent exited =
        c.getEventsList().stream().filter(e -> e.getType().equals("VmExited")).findFirst().get();
    String details = exited.getDetails().toStringUtf8();
    assertTrue(details.contains("\"exit_code\":137"), details);
    assertTrue(details.contains("BdsDxe"), "the console's last lines: " + details);
    assertFalse(details.contains("\u001b"), "no terminal escapes: " + details);
    await(() -> !Files.exists(vmDir(id)), WAIT, "the folder to be wiped");
    assertFalse(QemuHost.alive(swtpmPid), "swtpm followed QEMU");
    // Known until removed, as with the process backend.
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
  }

  @Test
  void aRestartedManagerReattachesOverQmpAndCleansUpAfterDeadVms() throws Exception {
    start(Map.of(), Map.of());
    String alive = createVm("alive", "1h");
    String dead = createVm("dead", null);
    long alivePid = QemuHost.pid(state, alive, "qemu");
    long deadPid = QemuHost.pid(state, dead, "qemu");
    long deadSwtpm = QemuHost.pid(state, dead, "swtpm");

    manager.close(); // the VMs keep running (CocosAI behaviour); QMP is let go
    manager = null;
    assertTrue(QemuHost.alive(alivePid));
    ProcessHandle.of(deadPid).orElseThrow().destroyForcibly();
    await(() -> !QemuHost.alive(deadPid), WAIT, "QEMU of " + dead + " to end");

    restart();
    assertEquals(List.of(alive), manager.runtime.vms().ids());
    assertTrue(
        computation("alive").getEventsList().stream()
            .anyMatch(e -> e.getType().equals("VmReattached")));
    assertEquals("Failed", computation("dead").getComputation().getState());
    assertTrue(
        computation("dead").getEventsList().stream().anyMatch(e -> e.getType().equals("VmLost")));
    assertFalse(Files.exists(vmDir(dead)));
    await(() -> !QemuHost.alive(deadSwtpm), WAIT, "the dead VM's swtpm to end");

    // The new manager talks QMP to the VM it re-attached to, and keeps following it.
    QemuVm vm = backend.vm(alive).orElseThrow();
    assertEquals("running", ((Map<?, ?>) vm.qmp().execute("query-status", Map.of())).get("status"));
    awaitConsole(alive, "BdsDxe");
    vm.qmp().execute("quit", Map.of());
    await(
        () -> computation("alive").getComputation().getState().equals("Failed"),
        WAIT,
        "the re-attached VM's end");
    GetResponse c = computation("alive");
    assertTrue(c.getComputation().getError().contains("exit code unknown"));
    String details =
        c.getEventsList().stream()
            .filter(e -> e.getType().equals("VmExited"))
            .findFirst()
            .orElseThrow()
            .getDetails()
            .toStringUtf8();
    assertTrue(details.contains("[qmp] SHUTDOWN"), details);
    assertTrue(details.contains("host-qmp-quit"), details);
    assertTrue(details.contains("BdsDxe"), details);
    await(() -> !Files.exists(vmDir(alive)), WAIT, "the folder to be wiped");
  }

  @Test
  void theVmLimitAndTheTimeToLiveHoldForQemuVms() throws Exception {
    start(Map.of("maxVms", 1), Map.of());
    String first = createVm("ttl", "4s");
    long qemuPid = QemuHost.pid(state, first, "qemu");
    long swtpmPid = QemuHost.pid(state, first, "swtpm");
    StatusRuntimeException full =
        assertThrows(
            StatusRuntimeException.class, () -> vms().createVm(CreateReq.getDefaultInstance()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
    assertTrue(
        full.getStatus().getDescription().startsWith("maximum number of VMs exceeded"),
        full.getStatus().getDescription());
    await(() -> !manager.runtime.vms().exists(first), WAIT, "the TTL removal");
    assertFalse(QemuHost.alive(qemuPid));
    assertFalse(QemuHost.alive(swtpmPid));
    assertFalse(Files.exists(vmDir(first)));
    List<String> types =
        computation("ttl").getEventsList().stream().map(ComputationEvent::getType).toList();
    assertTrue(types.contains("TtlExpired") && types.contains("VmRemoved"), types.toString());
    // The slot is free again.
    String second = createVm(null, null);
    vms().removeVm(RemoveReq.newBuilder().setCvmId(second).build());
    assertEquals(List.of(), leftIn(state.resolve("vms")));
  }

  @Test
  void startFailuresSayWhatIsWrongAndLeaveNothingBehind() throws Exception {
    Path kernel = tmp.resolve("eos/bzImage");
    start(
        Map.of(),
        Map.of(
            "diskImgKernelFile",
            kernel.toString(),
            "diskImgRootfsFile",
            tmp.resolve("eos/rootfs.cpio.gz").toString()));
    StatusRuntimeException noImage =
        assertThrows(
            StatusRuntimeException.class, () -> vms().createVm(CreateReq.getDefaultInstance()));
    assertEquals(Status.Code.FAILED_PRECONDITION, noImage.getStatus().getCode());
    assertEquals(
        "MANAGER_QEMU_DISK_IMG_KERNEL_FILE="
            + kernel
            + " does not exist: the guest kernel (build EOS: mvn -B -pl eos package) is needed to"
            + " boot a VM",
        noImage.getStatus().getDescription());
    manager.close();

    // QEMU itself refuses: its own words reach the caller; swtpm does not stay behind.
    start(Map.of(), Map.of("machine", "no-such-board"));
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class, () -> vms().createVm(CreateReq.getDefaultInstance()));
    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    String message = refused.getStatus().getDescription();
    assertTrue(message.startsWith("QEMU did not start the VM of CVM "), message);
    assertTrue(
        message.contains("QEMU said: qemu-system-x86_64: unsupported machine type"), message);
    assertEquals(List.of(), leftIn(state.resolve("vms")));
    assertEquals(List.of(), QemuHost.processesMentioning(tmp));
    assertEquals(List.of(), manager.runtime.vms().ids());
    manager.close();

    // A missing tool is named with its setting and the package to install.
    start(Map.of(), Map.of("swtpmPath", tmp.resolve("no/swtpm").toString()));
    StatusRuntimeException noSwtpm =
        assertThrows(
            StatusRuntimeException.class, () -> vms().createVm(CreateReq.getDefaultInstance()));
    assertEquals(Status.Code.FAILED_PRECONDITION, noSwtpm.getStatus().getCode());
    String said = noSwtpm.getStatus().getDescription();
    assertTrue(
        said.startsWith("cannot run " + tmp.resolve("no/swtpm") + " (MANAGER_QEMU_SWTPM_PATH): "),
        said);
    assertTrue(said.endsWith("; install swtpm (scripts/setup.d/44-qemu.sh)"), said);
    assertEquals(List.of(), leftIn(state.resolve("vms")));
  }

  @Test
  void diskModeBootsTheVmsOwnCopyGrownForLuks() throws Exception {
    Path src = tmp.resolve("enc_os.qcow2");
    Process p =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", src.toString(), "64M")
            .inheritIO()
            .start();
    assertEquals(0, p.waitFor());
    start(Map.of(), Map.of("enableDisk", true, "srcDiskFile", src.toString()));
    String id = createVm(null, null);
    Path disk = vmDir(id).resolve("disk.qcow2");
    assertEquals("rw-------", mode(disk));
    Process info =
        new ProcessBuilder("qemu-img", "info", "--output=json", "-U", disk.toString()).start();
    String json = new String(info.getInputStream().readAllBytes());
    assertEquals(0, info.waitFor());
    // 64 MiB rounds up to 1 GiB, plus 1 GiB for the LUKS header.
    assertTrue(json.contains("\"virtual-size\": " + (2L << 30)), json);
    List<String> cmd = QemuHost.cmdline(QemuHost.pid(state, id, "qemu"));
    assertTrue(cmd.contains("file=" + disk + ",if=none,id=disk0,format=qcow2"), cmd.toString());
    assertFalse(cmd.contains("-kernel"));
    vms().removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    assertFalse(Files.exists(disk));
  }
}
