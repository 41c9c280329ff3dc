package ai.cocos.core.launch;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One-line log format on standard error, level from the assembly's log-level variable. */
final class Logging {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private Logging() {}

  static void configure(String level) {
    Level lvl = parse(level);
    Logger root = Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(lvl);
    handler.setFormatter(
        new Formatter() {
          @Override
          public String format(LogRecord r) {
            String msg = formatMessage(r);
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            int dot = name.lastIndexOf('.');
            StringBuilder sb =
                new StringBuilder()
                    .append(LocalTime.now().format(TIME))
                    .append(' ')
                    .append(label(r.getLevel()))
                    .append(' ')
                    .append(dot < 0 ? name : name.substring(dot + 1))
                    .append(": ")
                    .append(msg)
                    .append('\n');
            if (r.getThrown() != null) {
              sb.append("  caused by: ").append(r.getThrown()).append('\n');
            }
            return sb.toString();
          }
        });
    root.addHandler(handler);
    root.setLevel(lvl);
  }

  private static String label(Level l) {
    if (l.intValue() >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (l.intValue() >= Level.WARNING.intValue()) {
      return "WARN ";
    }
    if (l.intValue() >= Level.INFO.intValue()) {
      return "INFO ";
    }
    return "DEBUG";
  }

  /** CocosAI's level names (debug, info, warn, error); default info. */
  static Level parse(String level) {
    if (level == null) {
      return Level.INFO;
    }
    return switch (level.trim().toLowerCase(Locale.ROOT)) {
      case "debug" -> Level.FINE;
      case "warn", "warning" -> Level.WARNING;
      case "error" -> Level.SEVERE;
      default -> Level.INFO;
    };
  }
}
