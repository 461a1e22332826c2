package io.certgate.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README (the front door) and the pages under {@code docs/}: every relative link and {@code #anchor}
 * resolves, and the README opens with the two commands a newcomer runs, the second being what CI runs.
 */
class DocumentationTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String QUICKSTART =
            "./mvnw -B -q package -DskipTests && java -jar pep-gateway/target/pep-gateway.jar quickstart";
    private static final String ALL_TESTS = "./mvnw -B verify";

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(\\s+#+)?\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            broken.addAll(brokenLinks(page, new HashMap<>()));
        }
        assertThat(broken).as("links in README.md and docs/*.md that do not resolve").isEmpty();
    }

    @Test
    void aBrokenLinkOrAnchorIsReported(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/a.md"), """
                # Page A

                ## Configuration reference (`pdp.yaml`)

                ```sh
                # not a heading
                ```
                ## Forward auth: `GET|POST /forward-auth`
                ## Twice
                ## Twice
                """);
        Files.writeString(dir.resolve("README.md"), """
                [ok](docs/a.md#configuration-reference-pdpyaml) [ok](docs/a.md#forward-auth-getpost-forward-auth)
                [ok](docs/a.md#twice-1) [ok](https://example.com/x#y) [ok](docs/) `[code](nowhere.md)`
                [missing file](docs/b.md) [missing anchor](docs/a.md#not-a-heading)
                [no anchor here](#page-a) [third twice](docs/a.md#twice-2)
                """);

        assertThat(brokenLinks(dir.resolve("README.md"), new HashMap<>())).containsExactly(
                "README.md:3: docs/b.md (no such file)",
                "README.md:3: docs/a.md#not-a-heading (no such anchor in docs/a.md)",
                "README.md:4: #page-a (no such anchor in README.md)",
                "README.md:4: docs/a.md#twice-2 (no such anchor in docs/a.md)");
    }

    @Test
    void readmeOpensWithTheQuickstartAndTheTestCommand() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        int fence = lines.indexOf("```sh");
        assertThat(fence).as("the README's first code block").isBetween(1, 3);
        List<String> commands = lines.subList(fence + 1, lines.indexOf("```")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(commands).containsExactly(QUICKSTART, ALL_TESTS);
    }

    @Test
    void ciRunsTheReadmesTestCommand() throws IOException {
        assertThat(Files.readAllLines(ROOT.resolve(".ci/run"))).contains(ALL_TESTS);
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThan(5);
        return pages;
    }

    /** Each broken link of {@code page} as {@code file:line: link (why)}, file relative to the page's root. */
    private static List<String> brokenLinks(Path page, Map<Path, Set<String>> anchorCache) throws IOException {
        Path root = page.getParent().getFileName().toString().equals("docs") ? page.getParent().getParent()
                : page.getParent();
        List<String> broken = new ArrayList<>();
        List<String> lines = Files.readAllLines(page);
        boolean inFence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
            while (m.find()) {
                String link = m.group(1);
                if (SCHEME.matcher(link).find() || link.isEmpty()) {
                    continue;
                }
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = root.relativize(page) + ":" + (i + 1) + ": " + link;
                if (!Files.exists(target)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0) {
                    String anchor = link.substring(hash + 1);
                    if (!Files.isRegularFile(target) || !target.toString().endsWith(".md")) {
                        broken.add(where + " (an anchor into something that is not a Markdown file)");
                    } else if (!anchorCache.computeIfAbsent(target, DocumentationTest::anchors).contains(anchor)) {
                        broken.add(where + " (no such anchor in " + root.relativize(target) + ")");
                    }
                }
            }
        }
        return broken;
    }

    /** The anchors GitHub gives the headings of a Markdown file (code blocks hold no headings). */
    private static Set<String> anchors(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!inFence && h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    /** GitHub's rule: lower case, punctuation removed (letters, digits, {@code _}, {@code -} kept), spaces to {@code -}. */
    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                .replace(' ', '-');
    }
}
