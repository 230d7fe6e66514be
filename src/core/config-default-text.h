/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* data/sluiced.conf, compiled in by tools/embed-text.py (see meson.build). */
extern const char sluice_config_default_text[];
