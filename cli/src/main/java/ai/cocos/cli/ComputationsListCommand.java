package ai.cocos.cli;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.ListRequest;
import ai.cocos.proto.computations.v1.ListResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cocos-cli computations list}: every computation the manager has registered. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "List the computations registered with the manager.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Prints one line per computation, oldest first: its id, name, state, the CVM it is bound"
          + " to ('-' if none) and when it last changed (UTC)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the list was printed (it may be empty)",
      "1:the manager cannot be reached or refused",
      "2:usage error"
    })
final class ComputationsListCommand extends ManagerCommand {
  private static final int MAX_NAME_CHARS = 32;

  @Option(
      names = "--json",
      description = "Print one JSON object: {\"computations\": [...]}, every field of each.")
  boolean json;

  @Override
  int call(GrpcClient client) {
    ListResponse response =
        client
            .withDeadline(ComputationsGrpc.newBlockingStub(client.channel()))
            .list(ListRequest.getDefaultInstance());
    PrintWriter out = out();
    if (json) {
      List<Object> list = new ArrayList<>();
      for (Computation c : response.getComputationsList()) {
        list.add(ComputationText.toJson(c));
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("computations", list);
      JsonOut.print(out, result);
      return 0;
    }
    if (response.getComputationsCount() == 0) {
      out.println(
          "No computations are registered with the manager at "
              + client.settings().target()
              + "; register one with: cocos-cli computations create MANIFEST");
      out.flush();
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "NAME", "STATE", "CVM", "UPDATED"});
    for (Computation c : response.getComputationsList()) {
      String name = ComputationText.oneLine(c.getName());
      if (name.length() > MAX_NAME_CHARS) {
        name = name.substring(0, MAX_NAME_CHARS - 3) + "...";
      }
      rows.add(
          new String[] {
            ComputationText.oneLine(c.getId()),
            name.isEmpty() ? "-" : name,
            ComputationText.oneLine(c.getState()),
            c.getCvmId().isEmpty() ? "-" : ComputationText.oneLine(c.getCvmId()),
            ComputationText.time(c.getUpdated())
          });
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        b.append(i == row.length - 1 ? row[i] : ComputationText.pad(row[i], widths[i] + 2));
      }
      out.println(b);
    }
    out.flush();
    return 0;
  }

  @Override
  String action() {
    return "cannot list the computations";
  }
}
