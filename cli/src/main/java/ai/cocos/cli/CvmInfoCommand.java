package ai.cocos.cli;

import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli cvm-info}: what the manager says a CVM runs on (CocosAI's CVMInfo). */
@Command(
    name = "cvm-info",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Show a VM's firmware, CPUs and EOS version, as the manager reports them.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Asks the manager (CVMInfo) for the OVMF version, the number and model of virtual CPUs"
          + " and the EOS image version a VM was launched with: what you need to compute or look"
          + " up the launch measurement your attestation policy pins. These are the manager's"
          + " settings, not measurements: only attestation evidence proves what the VM runs."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  cocos-cli cvm-info 5b0c5f3e-1111-4222-8333-944445555666",
      "  id: 5b0c5f3e-1111-4222-8333-944445555666",
      "  ovmf_version: edk2-stable202408",
      "  cpu_num: 4",
      "  cpu_type: EPYC-v4",
      "  eos_version: 0.1.0"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the information was printed",
      "1:no such VM, or the manager refused or cannot be reached",
      "2:usage error"
    })
final class CvmInfoCommand extends ManagerCommand {
  @Parameters(paramLabel = "CVM_ID", description = "The VM's id, as create-vm printed it.")
  String id;

  @Option(names = "--json", description = "Print the information as one JSON object.")
  boolean json;

  @Override
  void prepare() {
    if (id.isBlank()) {
      throw usage("CVM_ID is empty");
    }
  }

  @Override
  int call(GrpcClient client) {
    CVMInfoRes r =
        client
            .withDeadline(ManagerServiceGrpc.newBlockingStub(client.channel()))
            .cVMInfo(CVMInfoReq.newBuilder().setId(id).build());
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("id", r.getId().isEmpty() ? id : r.getId());
    info.put("ovmf_version", r.getOvmfVersion());
    info.put("cpu_num", r.getCpuNum());
    info.put("cpu_type", r.getCpuType());
    info.put("eos_version", r.getEosVersion());
    if (!r.getKernelCmd().isEmpty()) {
      info.put("kernel_cmd", r.getKernelCmd()); // CocosAI's manager never fills it
    }
    PrintWriter out = out();
    if (json) {
      JsonOut.print(out, info);
      return 0;
    }
    info.forEach(
        (k, v) -> {
          String text = ComputationText.oneLine(String.valueOf(v));
          out.println(k + ": " + (text.isEmpty() ? "(not set)" : text));
        });
    out.flush();
    return 0;
  }

  @Override
  String action() {
    return "cannot get the information of VM '" + id + "'";
  }

  @Override
  Optional<String> problem(Status status) {
    return switch (status.getCode()) {
      case NOT_FOUND ->
          Optional.of("no VM '" + id + "' at the manager (removed already, or ended by its TTL?)");
      case UNIMPLEMENTED ->
          Optional.of(action() + ": this manager does not offer CVMInfo: " + description(status));
      default -> Optional.empty();
    };
  }
}
