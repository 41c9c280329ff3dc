package ai.cocos.cli;

import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli remove-vm}: asks the manager to stop and remove a CVM. */
@Command(
    name = "remove-vm",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Remove a VM: stop its computation and agent and delete its files.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Asks the manager to stop the VM (its computation first, if one runs), wipe its"
          + " certificates and environment, and release its port. A computation bound to it"
          + " that has not ended becomes Removed."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the VM is removed",
      "1:no such VM, or the manager refused or cannot be reached",
      "2:usage error"
    })
final class RemoveVmCommand extends ManagerCommand {
  @Parameters(paramLabel = "CVM_ID", description = "The VM's id, as create-vm printed it.")
  String id;

  @Override
  void prepare() {
    if (id.isBlank()) {
      throw usage("CVM_ID is empty");
    }
  }

  @Override
  int call(GrpcClient client) {
    client
        .withDeadline(ManagerServiceGrpc.newBlockingStub(client.channel()))
        .removeVm(RemoveReq.newBuilder().setCvmId(id).build());
    PrintWriter out = out();
    out.println("Removed VM " + id + ".");
    out.flush();
    return 0;
  }

  @Override
  String action() {
    return "cannot remove VM '" + id + "'";
  }

  @Override
  Optional<String> problem(Status status) {
    if (status.getCode() == Status.Code.NOT_FOUND) {
      return Optional.of(
          "no VM '" + id + "' at the manager (removed already, or ended by its TTL?)");
    }
    if (status.getCode() == Status.Code.INTERNAL) {
      return Optional.of(action() + ": " + description(status));
    }
    return Optional.empty();
  }
}
