package dev.dpu.storage.api.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema of dataplane.json is generated from the contract records and committed (for
 * editors, reviewers and non-Java readers); like crds/, the build fails when the committed file
 * is stale. Regenerate with
 * {@code ./mvnw -pl operator/api test -Dtest=DataplaneSchemaIsCurrentTest -Dupdate.dataplane.schema=true}.
 */
class DataplaneSchemaIsCurrentTest {

    private static final String HOW_TO_FIX = "the dataplane.json schema is stale: run ./mvnw -pl operator/api test "
            + "-Dtest=DataplaneSchemaIsCurrentTest -Dupdate.dataplane.schema=true and commit it";

    static String generate() throws IOException {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(
                        SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(
                        JacksonOption.RESPECT_JSONPROPERTY_REQUIRED, JacksonOption.RESPECT_JSONPROPERTY_ORDER))
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                .with(Option.DEFINITIONS_FOR_ALL_OBJECTS)
                .without(Option.SCHEMA_VERSION_INDICATOR);
        ObjectNode schema = new SchemaGenerator(config.build()).generateSchema(DataplaneConfig.class);
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("$schema", SchemaVersion.DRAFT_2020_12.getIdentifier());
        root.put("title", "dataplane.json");
        root.setAll(schema);
        ObjectMapper json = new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        return json.writeValueAsString(json.readTree(json.writeValueAsString(root))) + "\n";
    }

    @Test
    void committedSchemaIsWhatTheRecordsGenerate() throws IOException {
        Path committed = Path.of(
                System.getProperty("dataplane.schema.file", "src/main/resources/dataplane/dataplane.schema.json"));
        String generated = generate();
        if (Boolean.getBoolean("update.dataplane.schema")) {
            Files.writeString(committed, generated);
        }
        if (!Files.exists(committed)) {
            fail(HOW_TO_FIX + " (" + committed.toAbsolutePath().normalize() + " does not exist)");
        }
        if (!Files.readString(committed).equals(generated)) {
            fail(HOW_TO_FIX + " (" + committed.toAbsolutePath().normalize() + " differs)");
        }
    }

    @Test
    void schemaForbidsUnknownFieldsAndNamesTheRequiredOnes() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(generate());
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required").toString()).isEqualTo("[\"listen\"]");
        assertThat(schema.path("properties").fieldNames())
                .toIterable()
                .containsExactly(
                        "pool",
                        "listen",
                        "reactors",
                        "reactorCpus",
                        "reactorPolling",
                        "offload",
                        "hostNqn",
                        "remotes",
                        "subsystems",
                        "tenants");
    }
}
