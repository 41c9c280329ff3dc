package ai.cocos.manager.internal;

import ai.cocos.manager.VmBackend;
import ai.cocos.manager.VmBackendException;
import ai.cocos.manager.VmExit;
import ai.cocos.manager.VmInstance;
import ai.cocos.manager.VmLaunch;
import ai.cocos.manager.internal.HostPlatform.Tee;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Boots one QEMU VM per CVM from the EOS image (or any kernel and initramfs, or a disk image), with
 * a vTPM, the agent's certificates and environment over 9P and the agent's port forwarded from the
 * host (CocosAI's QEMU manager, reference §5.1-5.5). Selected by {@code MANAGER_BACKEND=qemu};
 * configured by PID {@value #PID} ({@link QemuConfig}).
 *
 * <h2>Start</h2>
 *
 * <ol>
 *   <li>Decided once per backend: the technology ({@code MANAGER_QEMU_TEE}, by default detected as
 *       CocosAI does), KVM or TCG ({@code MANAGER_QEMU_ENABLE_KVM}, by default {@link KvmProbe
 *       probed}: here {@code /dev/kvm} exists but hangs real guests), the CPU model (an empty
 *       {@code MANAGER_QEMU_CPU} means CocosAI's {@code EPYC} under KVM and {@code max} under TCG,
 *       where {@code EPYC} would only be emulated partially), a GPU bound to {@code vfio-pci}.
 *       Under TCG the virtual CPUs share one host thread unless {@code
 *       MANAGER_QEMU_TCG_THREAD=multi} (QEMU before 8.1 crashes SMP guests now and then with one
 *       thread per CPU; on this 2-core host the agent was not slower single-threaded: 53 s against
 *       64 s from CreateVm to the agent dialling in).
 *   <li>Per VM, in the VM's folder ({@link QemuFiles}): a copy of {@code OVMF_VARS}; in disk mode a
 *       copy of the disk image grown by 1 GiB (room for LUKS, as in CocosAI); the vTPM: {@code
 *       swtpm socket --tpmstate dir=VM/tpm,mode=0600 --ctrl
 *       type=unixio,path=VM/tpm/swtpm-sock,mode=0600 --tpm2 --daemon --terminate --pid
 *       file=VM/tpm/swtpm.pid}, which ends with QEMU's connection.
 *   <li>QEMU with the command line of {@link QemuCommand} (CocosAI's order, with the differences
 *       listed there), its own output in {@code VM/qemu.log}, an environment of {@code PATH},
 *       {@code HOME} and {@code LANG} only (the manager's may hold secrets). {@link #start} returns
 *       once QEMU answers {@code query-status} on its QMP socket, so a QEMU that cannot start (a
 *       bad option, a port taken) is an error of {@code CreateVm} carrying QEMU's words, not a VM
 *       that fails later.
 * </ol>
 *
 * <p>The agent in the guest dials the manager at {@code 10.0.2.2:<port>} (QEMU's user network maps
 * that address to the host's loopback) and finds its certificates under {@code /etc/certs}, where
 * EOS mounts {@code certs_share}. The kernel command line is the image's (measured into PCR 9 by
 * the firmware, so the same for every VM); {@code agent.aa_kbc_params=} is the only per-VM
 * addition, and it may not contain blanks, which would add kernel parameters.
 *
 * <h2>Watching and stopping</h2>
 *
 * <p>The backend holds a QMP connection per VM: events ({@code SHUTDOWN} with its reason, {@code
 * STOP}, {@code GUEST_PANICKED}) are kept for the exit report, and a VM that QEMU pauses because
 * the guest crashed or KVM failed ({@code internal-error}, {@code guest-panicked}) is ended rather
 * than left hanging. When QEMU ends for any reason, swtpm is ended too, and the exit carries the
 * last lines of the guest's console, QEMU's last words and the QMP events, which the manager puts
 * into the failed computation's event. {@code stop} asks the guest to power down ({@code
 * system_powerdown}), after the grace period tells QEMU to {@code quit}, and after 5 more seconds
 * kills QEMU and swtpm.
 *
 * <h2>Manager restarts</h2>
 *
 * <p>VMs outlive the manager (CocosAI's behaviour). The record holds QEMU's and swtpm's PIDs and
 * start times; a restarted manager re-attaches to a QEMU with the same PID and start time, connects
 * to its QMP socket again and keeps watching; a QEMU that ended meanwhile is cleaned up (its swtpm
 * killed). {@link #close} only closes the QMP connections, so the next manager can connect.
 *
 * <p>Not supported: CocosAI's {@code MANAGER_QEMU_USE_SUDO} (run the manager as a user that may use
 * {@code /dev/kvm} and {@code /dev/sev}); {@code -monitor pty}.
 */
final class QemuVmBackend implements VmBackend, AutoCloseable {
  /** The backend's name. */
  static final String NAME = "qemu";

  /** The configuration PID. */
  static final String PID = "ai.cocos.manager.qemu";

  /** The kernel command line when neither the setting nor the image names one. */
  static final String DEFAULT_CMDLINE = "console=ttyS0 quiet panic=-1";

  /** The file next to the kernel in which the EOS build records the image's command line. */
  static final String EOS_MEASUREMENTS = "eos-measurements.json";

  /** CocosAI's CPU model, used under KVM when none is configured. */
  static final String KVM_CPU = "EPYC";

  /**
   * The CPU model under TCG when none is configured: the plain x86-64 baseline (SSE2). Under
   * emulation every vector instruction runs through a helper, so the wider units {@code max} offers
   * (AVX2, SSE4.2, which glibc, the kernel and the JVM's intrinsics pick as soon as they exist)
   * cost more than they save: EOS reaches SERVING about 2.5 s sooner with {@code qemu64} than with
   * {@code max} (eos/README.md, Boot time), and a busybox guest takes as long either way.
   */
  static final String TCG_CPU = "qemu64";

  /** Where EOS mounts {@code certs_share}. */
  static final String GUEST_CERTS_DIR = "/etc/certs";

  /** The host's loopback address as a guest on QEMU's user network sees it. */
  static final String HOST_FROM_GUEST = "10.0.2.2";

  /** Variables of the manager's environment QEMU, swtpm and qemu-img get (nothing secret). */
  static final List<String> PASSED_THROUGH = List.of("PATH", "HOME", "LANG");

  /** How many lines {@link VmInstance#lastOutput()} returns at most. */
  static final int TAIL_LINES = 50;

  private static final int QEMU_LINES = 5;
  private static final int EVENT_LINES = 8;
  private static final int TAIL_BYTES = 16 * 1024;
  private static final int MAX_LINE = 300;
  private static final Duration QUIT_WAIT = Duration.ofSeconds(5);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration SWTPM_WAIT = Duration.ofSeconds(5);
  private static final Duration REATTACH_QMP_WAIT = Duration.ofSeconds(5);
  private static final Duration DISK_TOOL_WAIT = Duration.ofMinutes(15);
  private static final String IMG_SETTING = "MANAGER_QEMU_IMG_PATH";
  private static final Pattern SIZE = Pattern.compile("[0-9]+[KMGTkmgt]?");
  private static final Pattern ANSI =
      Pattern.compile("\u001b(\\[[0-9;?=<>]*[ -/]*[@-~]|[()#][0-9A-Za-z]|[@-Z\\\\-_])");
  private static final Logger LOG = System.getLogger(QemuVmBackend.class.getName());

  /** QMP events that say nothing about why a VM ended, left out of the exit report. */
  private static final Set<String> NOISE = Set.of("RTC_CHANGE", "NIC_RX_FILTER_CHANGED");

  private final QemuConfig config;
  private final String cpuSetting;
  private final int smpCount;
  private final HostPlatform host;
  private final Map<String, String> childEnv;
  private final Set<QemuVm> vms = ConcurrentHashMap.newKeySet();
  private final Object decideLock = new Object();
  // guarded by decideLock
  private Decision decision;

  /** What is decided once per backend: technology, accelerator, CPU, GPU. */
  private record Decision(Tee tee, boolean kvm, String cpu, Optional<String> gpuBdf) {}

  /**
   * Creates the backend and checks its settings (files are checked per VM: the image may be built
   * after the manager started).
   *
   * @param config the QEMU settings
   * @param cpu {@code MANAGER_QEMU_CPU}; empty for {@value #KVM_CPU} under KVM, {@value #TCG_CPU}
   *     under TCG
   * @param smpCount {@code MANAGER_QEMU_SMP_COUNT}
   * @param host the host
   * @param hostEnvironment the manager's environment, of which only {@link #PASSED_THROUGH} is used
   * @throws IllegalArgumentException naming the variable, if a setting is invalid
   */
  QemuVmBackend(
      QemuConfig config,
      String cpu,
      int smpCount,
      HostPlatform host,
      Map<String, String> hostEnvironment) {
    this.config = config;
    this.cpuSetting = cpu.trim();
    this.smpCount = smpCount;
    this.host = host;
    Map<String, String> env = new HashMap<>();
    for (String name : PASSED_THROUGH) {
      String value = hostEnvironment.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    this.childEnv = Map.copyOf(env);
    check(config, smpCount);
    if (config.enableKvm().trim().equalsIgnoreCase("auto")) {
      // The KVM probe takes seconds: done now, in the background, rather than in the first
      // CreateVm (which waits for it if it is still running).
      daemon(
          () -> {
            try {
              decide();
            } catch (VmBackendException | RuntimeException e) {
              // reported by the first start
            }
          });
    }
  }

  private static void check(QemuConfig c, int smpCount) {
    oneOf("MANAGER_QEMU_ENABLE_KVM", c.enableKvm(), "auto", "true", "false");
    oneOf("MANAGER_QEMU_TEE", c.tee(), "auto", "none", "snp", "tdx");
    oneOf("MANAGER_QEMU_TCG_THREAD", c.tcgThread(), "single", "multi");
    if (smpCount < 1 || smpCount > c.smpMaxcpus()) {
      throw new IllegalArgumentException(
          "MANAGER_QEMU_SMP_COUNT must be 1 to MANAGER_QEMU_SMP_MAXCPUS ("
              + c.smpMaxcpus()
              + "), found "
              + smpCount);
    }
    size("MANAGER_QEMU_MEMORY_SIZE", c.memorySize());
    size("MANAGER_QEMU_MAX_MEMORY", c.maxMemory());
    notBlank("MANAGER_QEMU_BIN_PATH", c.binPath());
    notBlank("MANAGER_QEMU_MACHINE", c.machine());
    notBlank("MANAGER_QEMU_MEM_ID", c.memId());
    notBlank("MANAGER_QEMU_NETDEV_ID", c.netdevId());
    if (c.guestFwdAgent() < 1 || c.guestFwdAgent() > 65535) {
      throw new IllegalArgumentException(
          "MANAGER_QEMU_GUEST_FWD_AGENT must be a port 1-65535, found " + c.guestFwdAgent());
    }
    if (!c.enableDisk() && c.diskImgKernelFile().isBlank() != c.diskImgRootfsFile().isBlank()) {
      throw new IllegalArgumentException(
          "MANAGER_QEMU_DISK_IMG_KERNEL_FILE and MANAGER_QEMU_DISK_IMG_ROOTFS_FILE go together:"
              + " set both (kernel mode) or neither (firmware only)");
    }
    if (c.enableDisk()) {
      notBlank("MANAGER_QEMU_SRC_DISK_FILE", c.srcDiskFile());
      oneOf("MANAGER_QEMU_DISK_FORMAT", c.diskFormat(), "qcow2", "raw");
    }
    if (c.enableHostData()) {
      byte[] data;
      try {
        data = Base64.getDecoder().decode(c.hostData().trim());
      } catch (IllegalArgumentException e) {
        data = new byte[0];
      }
      if (data.length != 32) {
        throw new IllegalArgumentException(
            "MANAGER_QEMU_ENABLE_HOST_DATA=true needs MANAGER_QEMU_HOST_DATA, base64 of 32 bytes"
                + " (e.g. a SHA-256 digest); found "
                + (c.hostData().isBlank() ? "none" : data.length + " bytes"));
      }
    }
    for (char ch : c.kernelCmdline().toCharArray()) {
      if (ch < 0x20 || ch == 0x7f) {
        throw new IllegalArgumentException(
            "MANAGER_QEMU_KERNEL_CMDLINE must not contain control characters");
      }
    }
  }

  private static void oneOf(String name, String value, String... allowed) {
    for (String a : allowed) {
      if (a.equals(value.trim().toLowerCase(Locale.ROOT))) {
        return;
      }
    }
    throw new IllegalArgumentException(
        name + " must be one of " + String.join(", ", allowed) + "; found '" + value + "'");
  }

  private static void size(String name, String value) {
    if (!SIZE.matcher(value.trim()).matches()) {
      throw new IllegalArgumentException(
          name + " must be a size such as 2048M or 4G; found '" + value + "'");
    }
  }

  private static void notBlank(String name, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The CPU model VMs run with ({@code CVMInfoRes.cpu_type}).
   *
   * @return the configured model, or {@value #KVM_CPU} / {@value #TCG_CPU} as decided
   */
  @Override
  public Optional<String> cpuType() {
    if (!cpuSetting.isEmpty()) {
      return Optional.of(cpuSetting);
    }
    try {
      return Optional.of(decide().cpu());
    } catch (VmBackendException e) {
      return Optional.of(KVM_CPU);
    }
  }

  /**
   * Where the agent finds its certificates: EOS mounts {@code certs_share} there.
   *
   * @param certsDir the host folder
   * @return {@value #GUEST_CERTS_DIR}
   */
  @Override
  public String agentCertsDir(Path certsDir) {
    return GUEST_CERTS_DIR;
  }

  /**
   * The manager as a guest reaches it: a loopback or wildcard endpoint at {@value
   * #HOST_FROM_GUEST}, which QEMU's user network maps to the host's loopback; any other address as
   * it is (the user network connects to it from the host).
   *
   * @param endpoint the manager endpoint's bound address
   * @return {@code host:port}
   */
  @Override
  public String cvmsAddress(InetSocketAddress endpoint) {
    InetAddress a = endpoint.getAddress();
    if (a == null || a.isAnyLocalAddress() || a.isLoopbackAddress()) {
      return HOST_FROM_GUEST + ":" + endpoint.getPort();
    }
    return VmBackend.super.cvmsAddress(endpoint);
  }

  /**
   * What every VM of this backend gets: decided once (with {@code MANAGER_QEMU_ENABLE_KVM=auto} in
   * the background when the backend is created, as the KVM probe takes a few seconds) and kept.
   */
  private Decision decide() throws VmBackendException {
    synchronized (decideLock) {
      if (decision != null) {
        return decision;
      }
      String teeSetting = config.tee().trim().toLowerCase(Locale.ROOT);
      Tee tee =
          switch (teeSetting) {
            case "none" -> Tee.NONE;
            case "snp" -> Tee.SNP;
            case "tdx" -> Tee.TDX;
            default -> host.detectTee();
          };
      String kvmSetting = config.enableKvm().trim().toLowerCase(Locale.ROOT);
      boolean kvm;
      if (tee != Tee.NONE) {
        if (kvmSetting.equals("false")) {
          throw new VmBackendException(
              (tee == Tee.SNP ? "SEV-SNP" : "TDX")
                  + " VMs need KVM, but MANAGER_QEMU_ENABLE_KVM=false: set it to auto or true, or"
                  + " MANAGER_QEMU_TEE=none for plain VMs");
        }
        kvm = true;
      } else {
        kvm =
            switch (kvmSetting) {
              case "true" -> true;
              case "false" -> false;
              default ->
                  KvmProbe.works(
                      host, config, cpuSetting.isEmpty() ? KVM_CPU : cpuSetting, childEnv);
            };
      }
      String cpu = !cpuSetting.isEmpty() ? cpuSetting : kvm ? KVM_CPU : TCG_CPU;
      Optional<String> gpu =
          config.gpuBdf().isBlank() ? host.vfioGpu() : Optional.of(config.gpuBdf().trim());
      decision = new Decision(tee, kvm, cpu, gpu);
      LOG.log(
          Level.INFO,
          "QEMU VMs: {0}, {1}, CPU {2}{3}",
          tee == Tee.NONE ? "no TEE (plain VM with a swtpm vTPM)" : tee.setting(),
          kvm ? "KVM" : "TCG emulation",
          cpu,
          gpu.map(g -> ", GPU " + g).orElse(""));
      return decision;
    }
  }

  /**
   * The kernel command line of the configured image: the setting, else what the EOS build recorded
   * next to the kernel, else {@value #DEFAULT_CMDLINE}.
   *
   * @return the command line
   * @throws VmBackendException if the EOS record exists but cannot be read
   */
  String imageCmdline() throws VmBackendException {
    if (!config.kernelCmdline().isBlank()) {
      return config.kernelCmdline().trim();
    }
    if (config.diskImgKernelFile().isBlank()) {
      return DEFAULT_CMDLINE;
    }
    Path parent = Path.of(config.diskImgKernelFile()).toAbsolutePath().getParent();
    Path record = parent == null ? null : parent.resolve(EOS_MEASUREMENTS);
    if (record == null || !Files.isRegularFile(record)) {
      return DEFAULT_CMDLINE;
    }
    try {
      Json.Obj o = Json.Obj.of(Json.read(Files.readAllBytes(record)), record.toString());
      String cmdline = o.string("kernel_cmdline", o.string("cmdline", ""));
      if (cmdline.isBlank()) {
        return DEFAULT_CMDLINE;
      }
      for (char ch : cmdline.toCharArray()) {
        if (ch < 0x20 || ch == 0x7f) {
          throw new IOException("kernel_cmdline holds control characters");
        }
      }
      return cmdline.trim();
    } catch (IOException e) {
      throw new VmBackendException(
          "cannot read the image's kernel command line from "
              + record
              + ": "
              + e.getMessage()
              + " (rebuild EOS or set MANAGER_QEMU_KERNEL_CMDLINE)",
          e);
    }
  }

  /**
   * What the host and the settings decide for the next VM.
   *
   * @return the host values of {@link QemuCommand}
   * @throws VmBackendException if the technology needs KVM and KVM is off, or the image's command
   *     line cannot be read
   */
  QemuCommand.Host hostValues() throws VmBackendException {
    Decision d = decide();
    return new QemuCommand.Host(d.tee(), d.kvm(), d.cpu(), smpCount, d.gpuBdf(), imageCmdline());
  }

  @Override
  public VmInstance start(VmLaunch launch) throws VmBackendException {
    String aa = launch.aaKbcParams();
    for (char ch : aa.toCharArray()) {
      if (Character.isWhitespace(ch) || ch < 0x20 || ch == 0x7f) {
        // A blank would add kernel parameters of the caller's choosing.
        throw new VmBackendException(
            "aa_kbs_params must not contain blanks or control characters: it becomes one kernel"
                + " parameter (agent.aa_kbc_params=...)");
      }
    }
    QemuCommand.Host h = hostValues();
    QemuFiles f = new QemuFiles(launch.vmDir().toAbsolutePath());
    checkPaths(f);
    checkInputs(h.tee());
    List<String> command =
        QemuCommand.build(
            config,
            h,
            new QemuCommand.Vm(
                launch.cvmId(),
                launch.hostPort(),
                f,
                launch.certsDir().toAbsolutePath(),
                launch.envDir().toAbsolutePath(),
                aa));
    ProcRef swtpm = null;
    Process qemu = null;
    try {
      SecureFiles.writePrivate(f.console(), new byte[0]);
      SecureFiles.writePrivate(f.qemuLog(), new byte[0]);
      if (h.tee() == Tee.NONE) {
        copyPrivate(Path.of(config.ovmfVarsFile()), f.ovmfVars());
      }
      if (config.enableDisk()) {
        prepareDisk(f);
      }
      if (QemuCommand.usesSwtpm(config, h.tee())) {
        swtpm = startSwtpm(f);
      }
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().clear();
      pb.environment().putAll(childEnv);
      pb.directory(f.vmDir().toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(f.qemuLog().toFile()));
      try {
        qemu = pb.start();
      } catch (IOException e) {
        throw new VmBackendException(
            "cannot run QEMU '"
                + config.binPath()
                + "' (MANAGER_QEMU_BIN_PATH): "
                + e.getMessage()
                + "; install qemu-system-x86 (scripts/setup.d/44-qemu.sh)",
            e);
      }
      QemuVm vm = new QemuVm(launch.cvmId(), qemu.toHandle(), qemu, swtpm, f, h.kvm());
      try {
        vm.connectQmp(Duration.ofMillis(config.startTimeoutMillis()));
        Object status = vm.qmp.execute("query-status", Map.of());
        String state = status instanceof Map<?, ?> m ? String.valueOf(m.get("status")) : "";
        if (!state.equals("running")) {
          throw new IOException("QEMU reports the VM as '" + state + "', not running");
        }
      } catch (IOException e) {
        vm.kill();
        throw new VmBackendException(
            "QEMU did not start the VM of CVM "
                + launch.cvmId()
                + ": "
                + e.getMessage()
                + lastWords(f),
            e);
      }
      vms.add(vm);
      vm.exit.whenComplete((x, t) -> vms.remove(vm));
      LOG.log(
          Level.INFO,
          "started QEMU {0} ({1}, CPU {2}{3}) for CVM {4}, port {5} to guest port {6}",
          Long.toString(qemu.pid()),
          h.kvm() ? "KVM" : "TCG",
          h.cpu(),
          h.tee() == Tee.NONE ? "" : ", " + h.tee().setting(),
          launch.cvmId(),
          Integer.toString(launch.hostPort()),
          Integer.toString(config.guestFwdAgent()));
      return vm;
    } catch (VmBackendException e) {
      cleanUpFailedStart(qemu, swtpm);
      throw e;
    } catch (IOException | RuntimeException e) {
      cleanUpFailedStart(qemu, swtpm);
      throw new VmBackendException(
          "cannot start the VM of CVM " + launch.cvmId() + ": " + e.getMessage(), e);
    }
  }

  private static void cleanUpFailedStart(Process qemu, ProcRef swtpm) {
    if (qemu != null) {
      qemu.destroyForcibly();
      try {
        qemu.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (swtpm != null) {
      swtpm.end(Duration.ofSeconds(2));
    }
  }

  /** QEMU's own last lines, for an error message. */
  private static String lastWords(QemuFiles f) {
    List<String> said = sanitize(ProcessVmBackend.tail(f.qemuLog(), QEMU_LINES));
    return said.isEmpty() ? "" : "; QEMU said: " + String.join(" / ", said);
  }

  private static void checkPaths(QemuFiles f) throws VmBackendException {
    String dir = f.vmDir().toString();
    if (dir.contains(",")) {
      // swtpm's options have no escape for commas.
      throw new VmBackendException(
          "the VM folder " + dir + " contains ',': choose a MANAGER_STATE_DIR without commas");
    }
    for (Path socket : List.of(f.qmpSocket(), f.swtpmSocket())) {
      int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
      if (length > QemuFiles.MAX_SOCKET_PATH) {
        throw new VmBackendException(
            "the socket path "
                + socket
                + " is "
                + length
                + " bytes, more than a Unix socket allows ("
                + QemuFiles.MAX_SOCKET_PATH
                + "): choose a shorter MANAGER_STATE_DIR");
      }
    }
  }

  /** The files the VM boots from must exist: named with their setting when they do not. */
  private void checkInputs(Tee tee) throws VmBackendException {
    if (config.enableDisk()) {
      mustExist("MANAGER_QEMU_SRC_DISK_FILE", config.srcDiskFile(), "the disk image");
    } else if (!config.diskImgKernelFile().isBlank()) {
      mustExist(
          "MANAGER_QEMU_DISK_IMG_KERNEL_FILE",
          config.diskImgKernelFile(),
          "the guest kernel (build EOS: mvn -B -pl eos package)");
      mustExist(
          "MANAGER_QEMU_DISK_IMG_ROOTFS_FILE",
          config.diskImgRootfsFile(),
          "the guest initramfs (build EOS: mvn -B -pl eos package)");
    }
    switch (tee) {
      case NONE -> {
        mustExist("MANAGER_QEMU_OVMF_CODE_FILE", config.ovmfCodeFile(), "the UEFI firmware (ovmf)");
        mustExist(
            "MANAGER_QEMU_OVMF_VARS_FILE", config.ovmfVarsFile(), "the UEFI variables (ovmf)");
      }
      case SNP -> mustExist("MANAGER_QEMU_IGVM_FILE", config.igvmFile(), "the IGVM file");
      case TDX -> mustExist("MANAGER_QEMU_OVMF_FILE", config.ovmfFile(), "the TDX firmware");
    }
  }

  private static void mustExist(String setting, String file, String what)
      throws VmBackendException {
    if (!Files.isRegularFile(Path.of(file))) {
      throw new VmBackendException(
          setting
              + "="
              + file
              + " does not exist: "
              + what
              + " is needed to boot a VM"
              + (Path.of(file).isAbsolute()
                  ? ""
                  : " (relative to " + Path.of("").toAbsolutePath() + ")"));
    }
  }

  /** Copies into a file that is private from the moment it exists. */
  private static void copyPrivate(Path from, Path to) throws IOException {
    SecureFiles.writePrivate(to, new byte[0]);
    try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE)) {
      Files.copy(from, out);
    }
  }

  // ----------------------------------------------------------------------------- disk mode

  /**
   * The VM's copy of the disk image, in the configured format, grown by 1 GiB (CocosAI: room for
   * the LUKS header the guest adds).
   */
  private void prepareDisk(QemuFiles f) throws VmBackendException {
    Path src = Path.of(config.srcDiskFile()).toAbsolutePath();
    Path dst = f.disk(config.diskFormat());
    String info =
        run(
            List.of(config.imgPath(), "info", "--output=json", src.toString()),
            IMG_SETTING,
            "qemu-utils");
    long bytes;
    try {
      bytes =
          Json.Obj.of(Json.read(info.getBytes(StandardCharsets.UTF_8)), "qemu-img info")
              .number("virtual-size", -1);
    } catch (IOException e) {
      throw new VmBackendException(
          "qemu-img info " + src + " gave no virtual size: " + e.getMessage(), e);
    }
    if (bytes <= 0) {
      throw new VmBackendException("qemu-img info " + src + " gave no virtual size");
    }
    long gib = (bytes + (1L << 30) - 1) >> 30;
    run(
        List.of(
            config.imgPath(),
            "convert",
            "-f",
            "qcow2",
            "-O",
            config.diskFormat(),
            src.toString(),
            dst.toString()),
        IMG_SETTING,
        "qemu-utils");
    try {
      Files.setPosixFilePermissions(dst, SecureFiles.FILE_MODE);
    } catch (IOException e) {
      throw new VmBackendException("cannot make " + dst + " private: " + e.getMessage(), e);
    }
    run(
        List.of(
            config.imgPath(), "resize", "-f", config.diskFormat(), dst.toString(), (gib + 1) + "G"),
        IMG_SETTING,
        "qemu-utils");
  }

  /**
   * Runs a tool to its end and returns its output.
   *
   * @param command the tool and its arguments
   * @param setting the setting naming the tool, for the error when it cannot be run
   * @param pkg the Debian package that has it
   */
  private String run(List<String> command, String setting, String pkg) throws VmBackendException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(childEnv);
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      Process p = pb.start();
      CompletableFuture<byte[]> out =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return p.getInputStream().readNBytes(1 << 20);
                } catch (IOException e) {
                  return new byte[0];
                }
              });
      if (!p.waitFor(DISK_TOOL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new VmBackendException(
            String.join(" ", command)
                + " did not finish within "
                + DISK_TOOL_WAIT.toMinutes()
                + " min");
      }
      String text = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new VmBackendException(
            String.join(" ", command)
                + " failed (exit code "
                + p.exitValue()
                + "): "
                + String.join(" / ", sanitize(List.of(text.trim().split("\n")))));
      }
      return text;
    } catch (IOException e) {
      throw new VmBackendException(
          "cannot run "
              + command.get(0)
              + " ("
              + setting
              + "): "
              + e.getMessage()
              + "; install "
              + pkg
              + " (scripts/setup.d/44-qemu.sh)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmBackendException("interrupted while running " + command.get(0), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new VmBackendException("cannot read the output of " + command.get(0), e);
    }
  }

  // ---------------------------------------------------------------------------------- swtpm

  private ProcRef startSwtpm(QemuFiles f) throws VmBackendException, IOException {
    Path dir = SecureFiles.privateDir(f.tpmDir());
    List<String> cmd =
        List.of(
            config.swtpmPath(),
            "socket",
            "--tpmstate",
            "dir=" + dir + ",mode=0600",
            "--ctrl",
            "type=unixio,path=" + f.swtpmSocket() + ",mode=0600",
            "--tpm2",
            "--daemon",
            "--terminate",
            "--pid",
            "file=" + f.swtpmPid());
    String out = run(cmd, "MANAGER_QEMU_SWTPM_PATH", "swtpm");
    long pid;
    try {
      pid = Long.parseLong(Files.readString(f.swtpmPid(), StandardCharsets.US_ASCII).trim());
    } catch (IOException | NumberFormatException e) {
      throw new VmBackendException(
          "swtpm started but wrote no PID file " + f.swtpmPid() + ": " + out.trim(), e);
    }
    Optional<ProcRef> ref = ProcRef.of(pid);
    if (ref.isEmpty() || !Files.exists(f.swtpmSocket())) {
      throw new VmBackendException(
          "swtpm (PID " + pid + ") ended right after it started: " + out.trim());
    }
    return ref.get();
  }

  // ---------------------------------------------------------------------------- re-attach

  @Override
  public Optional<VmInstance> reattach(VmLaunch launch, Map<String, String> state) {
    QemuFiles f = new QemuFiles(launch.vmDir().toAbsolutePath());
    Optional<ProcRef> swtpm = ProcRef.recorded(state, "swtpm");
    Optional<ProcessHandle> qemu = ProcRef.recorded(state, "qemu").flatMap(ProcRef::live);
    if (qemu.isEmpty()) {
      // QEMU ended while the manager was down (or its PID is another program's now).
      swtpm.ifPresent(s -> s.end(Duration.ofSeconds(2)));
      return Optional.empty();
    }
    QemuVm vm =
        new QemuVm(
            launch.cvmId(),
            qemu.get(),
            null,
            swtpm.orElse(null),
            f,
            "kvm".equals(state.get("accel")));
    try {
      vm.connectQmp(REATTACH_QMP_WAIT);
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "CVM {0}: re-attached to QEMU {1} without QMP ({2}): it is watched through its process"
              + " only and stopped with SIGTERM",
          launch.cvmId(),
          Long.toString(qemu.get().pid()),
          e.getMessage());
    }
    vms.add(vm);
    vm.exit.whenComplete((x, t) -> vms.remove(vm));
    return Optional.of(vm);
  }

  /**
   * Lets go of the VMs without stopping them (the manager stops; the next one re-attaches): closes
   * their QMP connections, as QEMU serves one client at a time.
   */
  @Override
  public void close() {
    for (QemuVm vm : vms) {
      vm.detach();
    }
    vms.clear();
  }

  /**
   * The VM of a CVM this backend started or re-attached and still follows (tests, diagnostics).
   *
   * @param cvmId the CVM id
   * @return the VM, if followed
   */
  Optional<QemuVm> vm(String cvmId) {
    return vms.stream().filter(v -> v.cvmId.equals(cvmId)).findFirst();
  }

  // ------------------------------------------------------------------------------ output

  /**
   * Guest output made safe for logs and events: terminal escape sequences removed, other control
   * characters dropped, long lines cut, blank lines left out.
   *
   * @param lines raw lines
   * @return the lines
   */
  static List<String> sanitize(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String raw : lines) {
      String s = ANSI.matcher(raw).replaceAll("");
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < s.length() && b.length() < MAX_LINE; i++) {
        char ch = s.charAt(i);
        if (ch == '\t') {
          b.append(' ');
        } else if (ch >= 0x20 && ch != 0x7f && !(ch >= 0x80 && ch <= 0x9f)) {
          b.append(ch);
        }
      }
      String line = b.toString().strip();
      if (!line.isEmpty()) {
        out.add(s.length() > MAX_LINE ? line + "…" : line);
      }
    }
    return out;
  }

  /**
   * The last lines of the guest's console: line breaks of any kind ({@code \r} too, as firmware
   * uses it).
   */
  static List<String> consoleTail(Path console, int lines) {
    try (RandomAccessFile file = new RandomAccessFile(console.toFile(), "r")) {
      long length = file.length();
      int n = (int) Math.min(length, TAIL_BYTES);
      byte[] buf = new byte[n];
      file.seek(length - n);
      file.readFully(buf);
      List<String> all =
          new ArrayList<>(List.of(new String(buf, StandardCharsets.UTF_8).split("[\r\n]+")));
      if (n < length && !all.isEmpty()) {
        all.remove(0); // cut in the middle
      }
      List<String> clean = sanitize(all);
      return List.copyOf(clean.subList(Math.max(0, clean.size() - lines), clean.size()));
    } catch (IOException e) {
      return List.of();
    }
  }

  // -------------------------------------------------------------------------------- the VM

  /** A process the backend started and may have to find again: its PID and start time. */
  record ProcRef(long pid, long startedMillis) {
    static Optional<ProcRef> of(long pid) {
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .flatMap(h -> h.info().startInstant().map(s -> new ProcRef(pid, s.toEpochMilli())));
    }

    /** The recorded process, if it still runs (same PID and start time). */
    static Optional<ProcRef> recorded(Map<String, String> state, String prefix) {
      try {
        ProcRef r =
            new ProcRef(
                Long.parseLong(state.getOrDefault(prefix + "_pid", "")),
                Long.parseLong(state.getOrDefault(prefix + "_started", "")));
        return r.alive() ? Optional.of(r) : Optional.empty();
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }

    Optional<ProcessHandle> live() {
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              h ->
                  h.info()
                      .startInstant()
                      .map(Instant::toEpochMilli)
                      .map(s -> s == startedMillis)
                      .orElse(false));
    }

    boolean alive() {
      return live().isPresent();
    }

    /** Waits for the process to end by itself, then SIGTERM, then SIGKILL. */
    void end(Duration wait) {
      Optional<ProcessHandle> h = live();
      if (h.isEmpty()) {
        return;
      }
      if (await(h.get(), wait)) {
        return;
      }
      h.get().destroy();
      if (await(h.get(), Duration.ofSeconds(2))) {
        return;
      }
      h.get().destroyForcibly();
      if (!await(h.get(), KILL_WAIT)) {
        LOG.log(Level.ERROR, "process {0} is still alive after SIGKILL", Long.toString(pid));
      }
    }

    private static boolean await(ProcessHandle h, Duration wait) {
      try {
        h.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException | ExecutionException e) {
        return !h.isAlive();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !h.isAlive();
      }
    }
  }

  /** One VM: its QEMU process, its swtpm, its QMP connection. */
  final class QemuVm implements VmInstance {
    private final String cvmId;
    private final ProcessHandle handle;
    private final Process process;
    private final ProcRef swtpm;
    private final QemuFiles files;
    private final boolean kvm;
    private final long startedMillis;
    private final Deque<String> events = new ArrayDeque<>();
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
    private volatile Qmp qmp;
    private volatile boolean detached;

    QemuVm(
        String cvmId,
        ProcessHandle handle,
        Process process,
        ProcRef swtpm,
        QemuFiles files,
        boolean kvm) {
      this.cvmId = cvmId;
      this.handle = handle;
      this.process = process;
      this.swtpm = swtpm;
      this.files = files;
      this.kvm = kvm;
      this.startedMillis =
          handle
              .info()
              .startInstant()
              .map(Instant::toEpochMilli)
              .orElse(System.currentTimeMillis());
      CompletableFuture<?> ended = process != null ? process.onExit() : handle.onExit();
      // Clean-up blocks (swtpm may take a moment to follow QEMU): not on the reaper's thread.
      ended.whenCompleteAsync((x, t) -> ended(), QemuVmBackend::daemon);
    }

    void connectQmp(Duration timeout) throws IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      IOException last = null;
      while (System.nanoTime() < deadline) {
        if (!handle.isAlive()) {
          throw new IOException("QEMU ended (" + exitDescription() + ")");
        }
        if (Files.exists(files.qmpSocket())) {
          try {
            qmp =
                Qmp.connect(
                    files.qmpSocket(),
                    Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
                    this::event,
                    "cocos-qmp-" + cvmId);
            return;
          } catch (IOException e) {
            last = e;
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for QEMU's QMP socket", e);
        }
      }
      throw new IOException(
          "QEMU did not answer on "
              + files.qmpSocket()
              + " within "
              + timeout.toMillis()
              + " ms"
              + (last == null ? "" : " (" + last.getMessage() + ")"));
    }

    private String exitDescription() {
      if (process != null && !process.isAlive()) {
        return "exit code " + process.exitValue();
      }
      return "exit code unknown";
    }

    private void event(String name, Map<?, ?> data) {
      if (NOISE.contains(name)) {
        return;
      }
      StringBuilder b = new StringBuilder(name);
      for (Map.Entry<?, ?> e : data.entrySet()) {
        b.append(' ').append(e.getKey()).append('=').append(e.getValue());
      }
      String line = sanitize(List.of(b.toString())).stream().findFirst().orElse(name);
      synchronized (events) {
        events.addLast(line);
        while (events.size() > EVENT_LINES) {
          events.removeFirst();
        }
      }
      switch (name) {
        case "SHUTDOWN", "GUEST_PANICKED", "POWERDOWN" ->
            LOG.log(Level.INFO, "CVM {0}: QEMU reports {1}", cvmId, line);
        case "STOP" ->
            // QEMU pauses a guest that crashed or that KVM cannot run, and would keep it forever.
            daemon(this::endIfBroken);
        default -> {
          // RESUME, NIC_RX_FILTER_CHANGED and the like: kept, not acted on
        }
      }
    }

    private void endIfBroken() {
      Qmp q = qmp;
      if (q == null || !q.isOpen()) {
        return;
      }
      try {
        Object status = q.execute("query-status", Map.of());
        String state = status instanceof Map<?, ?> m ? String.valueOf(m.get("status")) : "";
        if (state.equals("internal-error") || state.equals("guest-panicked")) {
          LOG.log(Level.WARNING, "CVM {0}: the VM stopped ({1}): ending QEMU", cvmId, state);
          synchronized (events) {
            events.addLast("VM " + state + ": ended by the manager");
          }
          q.execute("quit", Map.of());
        }
      } catch (IOException e) {
        // QEMU went away meanwhile: its exit is handled there
      }
    }

    private void ended() {
      Qmp q = qmp;
      if (q != null) {
        q.close();
      }
      if (swtpm != null) {
        // --terminate: swtpm ends once QEMU's connection is gone; end it if it does not.
        swtpm.end(SWTPM_WAIT);
      }
      OptionalInt code = OptionalInt.empty();
      if (process != null) {
        try {
          code = OptionalInt.of(process.exitValue());
        } catch (IllegalThreadStateException e) {
          // cannot happen after onExit
        }
      }
      // Read the output now: the folder may be wiped right after.
      exit.complete(new VmExit(code, lastOutput()));
      if (!detached) {
        LOG.log(Level.DEBUG, "CVM {0}: QEMU {1} ended", cvmId, Long.toString(handle.pid()));
      }
    }

    @Override
    public String describe() {
      return "QEMU process " + handle.pid() + " (" + (kvm ? "KVM" : "TCG") + ")";
    }

    @Override
    public Map<String, String> state() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("qemu_pid", Long.toString(handle.pid()));
      m.put("qemu_started", Long.toString(startedMillis));
      if (swtpm != null) {
        m.put("swtpm_pid", Long.toString(swtpm.pid()));
        m.put("swtpm_started", Long.toString(swtpm.startedMillis()));
      }
      m.put("accel", kvm ? "kvm" : "tcg");
      return m;
    }

    @Override
    public boolean isAlive() {
      return handle.isAlive();
    }

    @Override
    public CompletionStage<VmExit> exit() {
      return exit.minimalCompletionStage();
    }

    /**
     * The guest console's last lines, then QEMU's own last lines ({@code [qemu] ...}), then the
     * last QMP events ({@code [qmp] ...}).
     */
    @Override
    public List<String> lastOutput() {
      List<String> qemuLines = new ArrayList<>();
      for (String l : sanitize(ProcessVmBackend.tail(files.qemuLog(), QEMU_LINES))) {
        qemuLines.add("[qemu] " + l);
      }
      List<String> eventLines = new ArrayList<>();
      synchronized (events) {
        for (String e : events) {
          eventLines.add("[qmp] " + e);
        }
      }
      List<String> out =
          new ArrayList<>(
              consoleTail(files.console(), TAIL_LINES - qemuLines.size() - eventLines.size()));
      out.addAll(qemuLines);
      out.addAll(eventLines);
      return List.copyOf(out);
    }

    /**
     * Ends the VM: an ACPI power-down, after {@code grace} QMP {@code quit}, after 5 more seconds
     * SIGKILL (QEMU and swtpm). Without QMP, SIGTERM takes the place of both requests.
     */
    @Override
    public void stop(Duration grace) throws InterruptedException {
      try {
        if (handle.isAlive()) {
          request("system_powerdown");
          if (!waitExit(grace)) {
            LOG.log(
                Level.WARNING,
                "CVM {0}: the guest did not power down within {1} s: telling QEMU to quit",
                cvmId,
                Long.toString(grace.toSeconds()));
            request("quit");
            if (!waitExit(QUIT_WAIT)) {
              LOG.log(Level.WARNING, "CVM {0}: QEMU did not quit: killing it", cvmId);
            }
          }
        }
      } catch (InterruptedException e) {
        kill();
        throw e;
      }
      kill();
    }

    private void request(String command) {
      Qmp q = qmp;
      if (q != null && q.isOpen()) {
        try {
          q.execute(command, Map.of());
          return;
        } catch (IOException e) {
          LOG.log(Level.DEBUG, "CVM {0}: QMP {1} failed: {2}", cvmId, command, e.getMessage());
        }
      }
      handle.destroy();
    }

    private boolean waitExit(Duration wait) throws InterruptedException {
      try {
        exit.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        return true; // never completes exceptionally
      }
    }

    /** SIGKILL to QEMU and swtpm; returns once both ended and the exit is known. */
    void kill() {
      if (handle.isAlive()) {
        handle.destroyForcibly();
      }
      if (swtpm != null) {
        swtpm.live().ifPresent(ProcessHandle::destroyForcibly);
      }
      try {
        exit.get(KILL_WAIT.toMillis() + SWTPM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        LOG.log(Level.ERROR, "CVM {0}: {1} is still alive after SIGKILL", cvmId, describe());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Closes QMP; the VM keeps running for the next manager. */
    void detach() {
      detached = true;
      Qmp q = qmp;
      if (q != null) {
        q.close();
      }
    }

    /** The QMP connection (tests). */
    Qmp qmp() {
      return qmp;
    }
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "cocos-qemu");
    t.setDaemon(true);
    t.start();
  }
}
