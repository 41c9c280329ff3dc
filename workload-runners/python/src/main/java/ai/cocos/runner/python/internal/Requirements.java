package ai.cocos.runner.python.internal;

import ai.cocos.api.runner.RunnerException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an uploaded requirements file (pip's format) and refuses anything that would let it choose
 * where packages come from. Package sources are the operator's decision: a requirements file could
 * otherwise name its own index ({@code --index-url}), a direct URL ({@code foo @ https://...}), a
 * VCS checkout ({@code -e git+https://...}) or another file ({@code -r}), and pip would fetch it
 * even with {@code --no-index}.
 *
 * <p>Allowed: requirement specifiers (PEP 508 name, extras, version specifiers, environment
 * markers), each optionally followed by {@code --hash=...} pins; the global options {@code
 * --require-hashes}, {@code --pre} and {@code --prefer-binary}; comments, blank lines and backslash
 * continuations.
 */
final class Requirements {
  /** Largest requirements file read; a real one is a few kilobytes. */
  static final long MAX_BYTES = 1 << 20;

  private static final Set<String> ALLOWED_GLOBAL =
      Set.of("--require-hashes", "--pre", "--prefer-binary");

  // PEP 508 "identifier" for names, then optional extras.
  private static final Pattern NAME =
      Pattern.compile("^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\\s*(\\[[^\\]]*\\])?\\s*");
  private static final Pattern HASH = Pattern.compile("--hash[=\\s]\\S+");

  /**
   * One requirement.
   *
   * @param line its (first) line number in the file
   * @param spec the specifier without hash options, for example {@code numpy>=1.24}
   * @param name the distribution name
   */
  record Requirement(int line, String spec, String name) {}

  private Requirements() {}

  /**
   * Reads and checks a requirements file.
   *
   * @param file the uploaded file
   * @return its requirements, in order (empty when it holds only comments and blank lines)
   * @throws RunnerException naming the file's line and what is not allowed in it
   */
  static List<Requirement> read(Path file) throws RunnerException {
    String text;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new RunnerException(
            "requirements file is larger than " + MAX_BYTES + " bytes; it cannot be real");
      }
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
    } catch (CharacterCodingException e) {
      throw new RunnerException("requirements file is not UTF-8 text");
    } catch (IOException e) {
      throw new RunnerException("cannot read the requirements file " + file + ": " + e, e);
    }
    return parse(text);
  }

  /**
   * Checks requirements text.
   *
   * @param text the file's content
   * @return its requirements
   * @throws RunnerException naming the line and what is not allowed in it
   */
  static List<Requirement> parse(String text) throws RunnerException {
    List<Requirement> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      StringBuilder logical = new StringBuilder(lines[i]);
      // A backslash at the end joins the next line (pip's rule).
      while (endsWithBackslash(logical) && i + 1 < lines.length) {
        logical.setLength(logical.length() - 1);
        logical.append(' ').append(lines[++i]);
      }
      String line = stripComment(logical.toString()).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("-")) {
        String option = line.split("[\\s=]", 2)[0];
        if (ALLOWED_GLOBAL.contains(option) && line.equals(option)) {
          continue;
        }
        throw refused(
            number,
            "option '"
                + option
                + "' is not allowed: package sources and install options are set by the agent's"
                + " operator (AGENT_PYTHON_INDEX_URL, AGENT_PYTHON_WHEELHOUSE)");
      }
      out.add(requirement(number, line));
    }
    return List.copyOf(out);
  }

  private static Requirement requirement(int number, String line) throws RunnerException {
    if (line.contains("://")
        || line.startsWith(".")
        || line.startsWith("/")
        || line.startsWith("~")) {
      throw refused(number, directReference(line));
    }
    Matcher m = NAME.matcher(line);
    if (!m.find()) {
      throw refused(
          number, "'" + line + "' is not a requirement (expected a name such as numpy>=1.24)");
    }
    String rest = line.substring(m.end());
    if (rest.startsWith("@")) {
      throw refused(number, directReference(line));
    }
    String spec = HASH.matcher(line).replaceAll("").strip();
    if (spec.contains(" -")) {
      String option = spec.substring(spec.indexOf(" -") + 1).split("[\\s=]", 2)[0];
      throw refused(
          number, "option '" + option + "' is not allowed on a requirement (only --hash pins are)");
    }
    return new Requirement(number, spec, m.group(1));
  }

  private static String directReference(String line) {
    return "'"
        + line
        + "' is a direct reference (URL or path); only package names and versions, installed"
        + " from the operator's package sources, are allowed";
  }

  private static RunnerException refused(int line, String why) {
    return new RunnerException("requirements file line " + line + ": " + why);
  }

  private static boolean endsWithBackslash(CharSequence s) {
    return s.length() > 0 && s.charAt(s.length() - 1) == '\\';
  }

  /** A {@code #} at the start or after whitespace starts a comment (pip's rule). */
  private static String stripComment(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }
}
