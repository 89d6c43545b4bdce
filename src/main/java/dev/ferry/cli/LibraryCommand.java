package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry library ...}: libraries through the running daemon's sync API — create a folder library, invite,
 * join, and look at a folder's state, conflicts and kept versions.
 */
@Command(name = "library", mixinStandardHelpOptions = true,
        description = "Create, join and inspect libraries (folder libraries included).",
        subcommands = {LibraryCommand.AddFolder.class, LibraryCommand.Join.class, LibraryCommand.ListLibraries.class,
                LibraryCommand.Show.class, LibraryCommand.Invite.class, LibraryCommand.Members.class,
                LibraryCommand.RemoveMember.class, LibraryCommand.Conflicts.class,
                LibraryCommand.Versions.class, LibraryCommand.Restore.class, LibraryCommand.Rescan.class})
final class LibraryCommand {
    private LibraryCommand() {}

    static SyncClient client(ConfigOptions options) throws IOException {
        Logging.configure("warn");
        return SyncClient.connect(options.load());
    }

    /** A subcommand about one library: the node's configuration and the library id as the first parameter. */
    abstract static class OnLibrary implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "LIBRARY")
        String id;

        SyncClient client() throws IOException {
            return LibraryCommand.client(options);
        }
    }

    static void print(JsonNode n) throws IOException {
        System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    @Command(name = "add-folder", description = "Make PATH a folder library (created if missing) and print its id.")
    static final class AddFolder implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "PATH")
        Path path;

        @Option(names = "--name", description = "Library name (default: the directory's name).")
        String name;

        @Override
        public Integer call() throws IOException {
            Path abs = path.toAbsolutePath().normalize();
            String n = name != null ? name : abs.getFileName() != null ? abs.getFileName().toString() : "root";
            ObjectNode body = Json.MAPPER.createObjectNode().put("name", n).put("kind", "folder").put("path", abs.toString());
            JsonNode lib = client(options).post("/libraries", body.toString());
            System.out.println(lib.path("id").asText() + "  folder \"" + n + "\" at " + abs);
            return 0;
        }
    }

    @Command(name = "join", description = "Join the library a ticket invites to; a folder library needs PATH.")
    static final class Join implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "TICKET")
        String ticket;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH")
        Path path;

        @Override
        public Integer call() throws IOException {
            ObjectNode body = Json.MAPPER.createObjectNode().put("ticket", ticket);
            if (path != null) {
                body.put("path", path.toAbsolutePath().normalize().toString());
            }
            JsonNode lib = client(options).post("/join", body.toString());
            System.out.println(lib.path("id").asText() + "  joined \"" + lib.path("name").asText() + "\"");
            return 0;
        }
    }

    @Command(name = "list", description = "List libraries.")
    static final class ListLibraries implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws IOException {
            for (JsonNode l : client(options).get("/libraries")) {
                String where = l.has("path") ? l.path("path").asText() : "assets";
                System.out.printf("%s  %-7s %-20s %s  %s%n", l.path("id").asText(), l.path("kind").asText(), l.path("name").asText(),
                        l.path("in_sync").asBoolean() ? "in sync" : "syncing", where);
            }
            return 0;
        }
    }

    @Command(name = "show", description = "A library's state: counts, what is needed from whom, transfers, errors.")
    static final class Show extends OnLibrary {
        @Override
        public Integer call() throws IOException {
            print(client().get("/libraries/" + id));
            return 0;
        }
    }

    @Command(name = "invite", description = "Print a ticket inviting another node to the library.")
    static final class Invite extends OnLibrary {
        @Option(names = "--expires-in", paramLabel = "SECONDS", description = "The ticket expires after this many seconds.")
        Long expires;

        @Override
        public Integer call() throws IOException {
            ObjectNode body = Json.MAPPER.createObjectNode();
            if (expires != null) {
                body.put("expires_in_secs", expires);
            }
            System.out.println(client().post("/libraries/" + id + "/invite", body.toString()).path("ticket").asText());
            return 0;
        }
    }

    @Command(name = "members", description = "List a library's members: connected or not, and who introduced them.")
    static final class Members extends OnLibrary {
        @Override
        public Integer call() throws IOException {
            for (JsonNode m : client().get("/libraries/" + id + "/members")) {
                String how = m.path("introduced_by").isNull() ? "direct"
                        : "introduced by " + m.path("introduced_by").asText().substring(0, 7);
                System.out.printf("%s  %-12s %s%n", m.path("peer_id").asText(),
                        m.path("connected").asBoolean() ? "connected" : "not connected", how);
            }
            return 0;
        }
    }

    @Command(name = "remove-member", description = "Remove a member here; the members only it introduced go too, and "
            + "no other member's list brings it back (an invite does).")
    static final class RemoveMember extends OnLibrary {
        @Parameters(index = "1", paramLabel = "PEER")
        String peer;

        @Override
        public Integer call() throws IOException {
            client().delete("/libraries/" + id + "/members/" + peer);
            System.out.println("removed " + peer + " from " + id);
            return 0;
        }
    }

    @Command(name = "conflicts", description = "List a folder library's conflict copies.")
    static final class Conflicts extends OnLibrary {
        @Override
        public Integer call() throws IOException {
            for (JsonNode c : client().get("/libraries/" + id + "/conflicts")) {
                System.out.println(c.path("path").asText() + "  (conflict copy of " + c.path("original").asText() + ")");
            }
            return 0;
        }
    }

    @Command(name = "versions", description = "List the versions a folder library keeps of replaced and deleted files.")
    static final class Versions extends OnLibrary {
        @Option(names = "--path", description = "Only versions of this path (relative to the folder).")
        String path;

        @Override
        public Integer call() throws IOException {
            String q = path == null ? "" : "?path=" + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8);
            for (JsonNode v : client().get("/libraries/" + id + "/versions" + q)) {
                System.out.printf("%s  %s  %d bytes%n", v.path("version").asText(),
                        java.time.Instant.ofEpochMilli(v.path("replaced_at").asLong()), v.path("size").asLong());
            }
            return 0;
        }
    }

    @Command(name = "restore", description = "Put a kept version back in place (it then syncs like any edit).")
    static final class Restore extends OnLibrary {
        @Parameters(index = "1", paramLabel = "VERSION", description = "A name printed by 'ferry library versions'.")
        String version;

        @Override
        public Integer call() throws IOException {
            ObjectNode body = Json.MAPPER.createObjectNode().put("version", version);
            JsonNode r = client().post("/libraries/" + id + "/versions/restore", body.toString());
            System.out.println("restored " + r.path("path").asText() + " from " + version);
            return 0;
        }
    }

    @Command(name = "rescan", description = "Ask for a full rescan of a folder library now.")
    static final class Rescan extends OnLibrary {
        @Override
        public Integer call() throws IOException {
            client().post("/libraries/" + id + "/rescan", "{}");
            System.out.println("rescan requested");
            return 0;
        }
    }
}
