# METADATA
# description: |
#   conftest entry points: deny for error findings, warn for warnings
#   (`conftest test -p policies FILE`). Info findings (NS008) are not reported.
package main

import data.nativize.validate

# deny holds the message of every error finding.
deny contains f.message if {
	some f in validate.findings
	f.severity == "error"
}

# warn holds the message of every warning finding.
warn contains f.message if {
	some f in validate.findings
	f.severity == "warning"
}
