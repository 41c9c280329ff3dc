package ai.cocos.cli;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.EventKind;
import ai.cocos.proto.computations.v1.Party;
import com.google.protobuf.Timestamp;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How computations and their events look on the terminal and in {@code --json} output. */
final class ComputationText {
  /** UTC with milliseconds, always the same width. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Event details longer than this are cut on the terminal (never in JSON). */
  static final int MAX_DETAILS_CHARS = 200;

  private ComputationText() {}

  /**
   * A timestamp as text.
   *
   * @param t the timestamp
   * @return for example {@code 2026-05-01T10:00:00.000Z}, or {@code -} if it is unset
   */
  static String time(Timestamp t) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return "-";
    }
    return TIME.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
  }

  private static String jsonTime(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0 ? null : time(t);
  }

  /**
   * Prints what a computation is: id, name, state, manifest digest, CVM, times and parties.
   *
   * @param out where to print
   * @param c the computation
   * @param indent put before every line
   */
  static void print(PrintWriter out, Computation c, String indent) {
    out.println(indent + "id:       " + oneLine(c.getId()));
    if (!c.getName().isEmpty()) {
      out.println(indent + "name:     " + oneLine(c.getName()));
    }
    if (!c.getDescription().isEmpty()) {
      out.println(indent + "about:    " + oneLine(c.getDescription()));
    }
    out.println(
        indent + "state:    " + oneLine(c.getState()) + (c.getTerminal() ? " (final)" : ""));
    if (!c.getError().isEmpty()) {
      out.println(indent + "error:    " + oneLine(c.getError()));
    }
    out.println(indent + "digest:   " + c.getManifestDigest());
    out.println(
        indent
            + "signed:   "
            + (c.getOwnerSigned()
                ? "yes (an owner signature came with the manifest)"
                : "no (no owner signature)"));
    out.println(indent + "cvm:      " + (c.getCvmId().isEmpty() ? "-" : c.getCvmId()));
    out.println(indent + "created:  " + time(c.getCreated()));
    out.println(indent + "updated:  " + time(c.getUpdated()));
    out.println(indent + "parties:");
    int width = 0;
    for (Party p : c.getPartiesList()) {
      width = Math.max(width, p.getRole().length());
    }
    for (Party p : c.getPartiesList()) {
      out.println(
          indent
              + "  "
              + pad(oneLine(p.getRole()), width)
              + "  "
              + p.getKeyFingerprint()
              + (p.getDataset().isEmpty() ? "" : "  " + oneLine(p.getDataset())));
    }
  }

  /**
   * One event or log line.
   *
   * @param e the entry
   * @param previousState the computation's state before it ({@code ""} if unknown): the line names
   *     the new state when the entry changed it
   * @return for example {@code 2026-05-01T10:00:00.000Z event manager Registered: computation
   *     registered [state Registered]}
   */
  static String line(ComputationEvent e, String previousState) {
    StringBuilder b = new StringBuilder(time(e.getTime()));
    boolean log = e.getKind() == EventKind.EVENT_KIND_LOG;
    b.append(log ? "  log    " : "  event  ");
    b.append(e.getOriginator().isEmpty() ? "-" : oneLine(e.getOriginator())).append("  ");
    if (log) {
      b.append(e.getLevel().isEmpty() ? "info" : oneLine(e.getLevel()))
          .append(": ")
          .append(oneLine(e.getMessage()));
    } else {
      b.append(e.getType().isEmpty() ? "-" : oneLine(e.getType()));
      if (!e.getStatus().isEmpty()) {
        b.append(' ').append(oneLine(e.getStatus()));
      }
      if (!e.getMessage().isEmpty()) {
        b.append(": ").append(oneLine(e.getMessage()));
      } else if (!e.getDetails().isEmpty()) {
        String details = oneLine(e.getDetails().toString(StandardCharsets.UTF_8));
        if (details.length() > MAX_DETAILS_CHARS) {
          details = details.substring(0, MAX_DETAILS_CHARS) + "...";
        }
        b.append(' ').append(details);
      }
    }
    if (!e.getState().isEmpty() && !e.getState().equals(previousState)) {
      b.append("  [state ").append(oneLine(e.getState())).append(']');
    }
    return b.toString();
  }

  /**
   * A computation as JSON.
   *
   * @param c the computation
   * @return its fields, named as in the proto
   */
  static Map<String, Object> toJson(Computation c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.getId());
    m.put("name", c.getName());
    m.put("description", c.getDescription());
    m.put("state", c.getState());
    m.put("terminal", c.getTerminal());
    m.put("error", c.getError());
    m.put("manifest_digest", c.getManifestDigest());
    m.put("owner_signed", c.getOwnerSigned());
    m.put("cvm_id", c.getCvmId());
    m.put("run_request_answered", c.getRunRequestAnswered());
    m.put("created", jsonTime(c.getCreated()));
    m.put("updated", jsonTime(c.getUpdated()));
    m.put("last_seq", c.getLastSeq());
    m.put("dropped_events", c.getDroppedEvents());
    List<Object> parties = new ArrayList<>();
    for (Party p : c.getPartiesList()) {
      Map<String, Object> party = new LinkedHashMap<>();
      party.put("role", p.getRole());
      party.put("key_fingerprint", p.getKeyFingerprint());
      party.put("dataset", p.getDataset());
      parties.add(party);
    }
    m.put("parties", parties);
    return m;
  }

  /**
   * An event as JSON; its details (JSON the agent sent) as a string.
   *
   * @param e the event
   * @return its fields, named as in the proto, {@code kind} as {@code event} or {@code log}
   */
  static Map<String, Object> toJson(ComputationEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", e.getSeq());
    m.put("time", jsonTime(e.getTime()));
    m.put("kind", e.getKind() == EventKind.EVENT_KIND_LOG ? "log" : "event");
    m.put("originator", e.getOriginator());
    m.put("type", e.getType());
    m.put("status", e.getStatus());
    m.put("level", e.getLevel());
    m.put("message", e.getMessage());
    m.put("details", e.getDetails().toString(StandardCharsets.UTF_8));
    m.put("state", e.getState());
    return m;
  }

  /** Keeps a value from the server on one terminal line, without control characters. */
  static String oneLine(String s) {
    return s.replaceAll("\\p{Cntrl}", " ");
  }

  /** Pads with spaces on the right. */
  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
