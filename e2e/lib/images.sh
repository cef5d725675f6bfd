# shellcheck shell=bash
# Locally built container images, cached by recipe. Sourced, not executed.
# Every image we build carries the label dev.dpu.recipe=<hash of what it is built from>; a
# build is skipped when the image exists with the same label, so a second run rebuilds nothing
# and a changed recipe (script, Dockerfile, version) rebuilds exactly what it changes.

IMAGE_RECIPE_LABEL=dev.dpu.recipe

# recipe_hash FILE|-... : 16 hex digits over the files' contents ("-" adds stdin, e.g. versions).
recipe_hash() { cat "$@" | sha256sum | cut -c1-16; }

# image_recipe IMAGE: print the recipe label of a local image (empty when absent).
image_recipe() {
    docker image inspect -f "{{index .Config.Labels \"$IMAGE_RECIPE_LABEL\"}}" "$1" 2>/dev/null || true
}

# image_current IMAGE HASH: true when IMAGE exists here and was built from recipe HASH.
image_current() { [ "$(image_recipe "$1")" = "$2" ]; }
