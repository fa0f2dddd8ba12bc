module github.com/flowlens/ntc

go 1.26.8

require github.com/dmitryikh/leaves v0.0.0-20230708180554-25d19a787328
