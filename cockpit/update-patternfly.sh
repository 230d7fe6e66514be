#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Refresh cockpit/vendor/patternfly/ from the PatternFly release pinned in
# package-lock.json: `npm ci` (checks the tarball against the lock file's
# integrity hash), then copy the listed upstream files unchanged and record
# their sha256 in vendor/patternfly/SHA256SUMS. Run it after changing the
# version in package.json (then `npm install --package-lock-only`), or with
# --check to verify that the vendored files are the pinned release's.
# Needs npm and the registry; the build itself never does (docs/cockpit.md).
set -euo pipefail
cd "$(dirname "$0")"

# The stylesheets the page uses: the base (variables, fonts, reset) and the
# components and layouts it renders. Keep in sync with build-css.py's order.
files=(
        patternfly-base.css
        components/Alert/alert.css
        components/Alert/alert-group.css
        components/Button/button.css
        components/Card/card.css
        components/Check/check.css
        components/Content/content.css
        components/DescriptionList/description-list.css
        components/EmptyState/empty-state.css
        components/Form/form.css
        components/FormControl/form-control.css
        components/HelperText/helper-text.css
        components/Label/label.css
        components/Page/page.css
        components/Pagination/pagination.css
        components/Progress/progress.css
        components/Table/table.css
        components/Tabs/tabs.css
        components/Title/title.css
        components/Toolbar/toolbar.css
        layouts/Flex/flex.css
        layouts/Gallery/gallery.css
        layouts/Stack/stack.css
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp package.json package-lock.json "$tmp/"
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --silent)
src="$tmp/node_modules/@patternfly/patternfly"
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$src/package.json")

if [ "${1:-}" = --check ]; then
        (cd "$src" && sha256sum -c --quiet "$OLDPWD/vendor/patternfly/SHA256SUMS")
        echo "vendor/patternfly matches @patternfly/patternfly $version"
        exit 0
fi

rm -rf vendor/patternfly
for f in "${files[@]}"; do
        install -D -m 0644 "$src/$f" "vendor/patternfly/$f"
done
(cd vendor/patternfly && sha256sum "${files[@]}" > SHA256SUMS)
cat > vendor/patternfly/README.md <<EOT
# PatternFly $version (vendored, unmodified)

These files are copied unchanged from the npm package \`@patternfly/patternfly@$version\`
(MIT licence, Copyright Red Hat, Inc.; https://github.com/patternfly/patternfly),
pinned with its integrity hash in \`cockpit/package-lock.json\`, by
\`cockpit/update-patternfly.sh\`. \`SHA256SUMS\` lists them; \`update-patternfly.sh --check\`
verifies them against the pinned release. Do not edit them: the build
(\`cockpit/build-css.py\`) joins them and points the fonts at Cockpit's own.
Why they are vendored rather than fetched at build time: docs/cockpit.md.
EOT
echo "vendored @patternfly/patternfly $version: ${#files[@]} files"
