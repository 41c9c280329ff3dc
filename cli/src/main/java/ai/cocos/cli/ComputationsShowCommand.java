package ai.cocos.cli;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.WatchRequest;
import ai.cocos.proto.computations.v1.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli computations show}: one computation and its events, once or as they come. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Show a computation and its events; --follow prints new ones as they happen.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Prints the computation (state, manifest digest, CVM, parties) and the events the manager"
          + " keeps for it, oldest first: the manager's own (registered, CVM bound or removed),"
          + " the agent's state changes and the log lines of the agent and the algorithm, each"
          + " with its time (UTC). '[state X]' marks an event that moved the computation to"
          + " state X.",
      "",
      "With --follow the command stays connected and prints every new event as it arrives,"
          + " until the computation ends (Complete, Failed, Stopped or Removed); Ctrl-C stops"
          + " following without affecting the computation."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli computations show lr-2026-01 --follow"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:shown (with --follow: the computation ended, however it ended)",
      "1:no such computation, the manager cannot be reached, or the stream broke off",
      "2:usage error"
    })
final class ComputationsShowCommand extends ManagerCommand {
  @Parameters(paramLabel = "ID", description = "The computation's id (the manifest's id).")
  String id;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing events as they happen, until the computation ends.")
  boolean follow;

  @Option(
      names = "--json",
      description =
          "Print one JSON object {\"computation\": {...}, \"events\": [...]}; with --follow,"
              + " one JSON object per line as the manager sends them: {\"computation\": {...}}"
              + " or {\"event\": {...}}.")
  boolean json;

  @Override
  int call(GrpcClient client) throws Failure {
    return follow ? follow(client) : once(client);
  }

  private int once(GrpcClient client) {
    GetResponse r =
        client
            .withDeadline(ComputationsGrpc.newBlockingStub(client.channel()))
            .get(GetRequest.newBuilder().setId(id).build());
    PrintWriter out = out();
    if (json) {
      List<Object> events = new ArrayList<>();
      for (ComputationEvent e : r.getEventsList()) {
        events.add(ComputationText.toJson(e));
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("computation", ComputationText.toJson(r.getComputation()));
      result.put("events", events);
      JsonOut.print(out, result);
      return 0;
    }
    Computation c = r.getComputation();
    ComputationText.print(out, c, "");
    if (r.getEventsCount() == 0) {
      out.println("events:   none");
    } else {
      out.println("events:" + dropped(c));
      String state = "";
      for (ComputationEvent e : r.getEventsList()) {
        out.println("  " + ComputationText.line(e, state));
        state = e.getState().isEmpty() ? state : e.getState();
      }
    }
    out.flush();
    return 0;
  }

  private int follow(GrpcClient client) throws Failure {
    // No deadline: the stream lasts as long as the computation.
    ComputationsGrpc.ComputationsBlockingStub stub =
        ComputationsGrpc.newBlockingStub(client.channel());
    PrintWriter out = out();
    Computation last = null;
    String state = "";
    long afterSeq = 0;
    while (true) {
      long resumedAfter = afterSeq;
      Iterator<WatchResponse> stream =
          stub.watch(WatchRequest.newBuilder().setId(id).setAfterSeq(afterSeq).build());
      try {
        while (stream.hasNext()) {
          WatchResponse r = stream.next();
          if (r.hasEvent()) {
            ComputationEvent e = r.getEvent();
            afterSeq = e.getSeq();
            if (json) {
              JsonOut.print(out, Map.of("event", ComputationText.toJson(e)));
            } else {
              out.println("  " + ComputationText.line(e, state));
            }
            state = e.getState().isEmpty() ? state : e.getState();
          } else if (r.hasComputation()) {
            Computation c = r.getComputation();
            if (json) {
              JsonOut.print(out, Map.of("computation", ComputationText.toJson(c)));
            } else if (last == null) {
              ComputationText.print(out, c, "");
              out.println("events:" + dropped(c));
            } else if (!c.getState().equals(state)) {
              // A change no event announced (the events carry the state they led to).
              out.println(
                  "  "
                      + ComputationText.time(c.getUpdated())
                      + "  state  "
                      + ComputationText.oneLine(c.getState())
                      + (c.getError().isEmpty()
                          ? ""
                          : ": " + ComputationText.oneLine(c.getError())));
              state = c.getState();
            }
            last = c;
          }
          out.flush();
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
            && last != null
            && afterSeq > resumedAfter) {
          // This client fell too far behind: the manager cut the stream; resume where it was
          // (as long as each attempt gets further, so that this cannot loop for ever).
          if (connection.verbose) {
            err().println("resuming the watch after event " + afterSeq + ": " + description(e));
            err().flush();
          }
          continue;
        }
        throw e;
      }
      break;
    }
    if (last == null) {
      throw new Failure(
          "the manager at "
              + client.settings().target()
              + " ended the watch of computation '"
              + id
              + "' without sending it");
    }
    if (!last.getTerminal()) {
      throw new Failure(
          "the manager at "
              + client.settings().target()
              + " ended the watch before computation '"
              + id
              + "' ended (state "
              + last.getState()
              + "); run the command again to keep following");
    }
    if (!json) {
      out.println(
          "Computation '"
              + ComputationText.oneLine(last.getId())
              + "' ended: "
              + ComputationText.oneLine(last.getState())
              + (last.getError().isEmpty() ? "" : ": " + ComputationText.oneLine(last.getError()))
              + ".");
      out.flush();
    }
    return 0;
  }

  private static String description(StatusRuntimeException e) {
    return ManagerCommand.description(e.getStatus());
  }

  private static String dropped(Computation c) {
    return c.getDroppedEvents() == 0
        ? ""
        : " (the manager dropped the " + c.getDroppedEvents() + " oldest)";
  }

  @Override
  String action() {
    return "cannot show computation '" + id + "'";
  }

  @Override
  Optional<String> problem(Status status) {
    if (status.getCode() == Status.Code.NOT_FOUND) {
      return Optional.of(
          "no computation '"
              + id
              + "' at the manager; 'cocos-cli computations list' shows the registered ones");
    }
    return Optional.empty();
  }
}
