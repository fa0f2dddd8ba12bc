module github.com/flowlens/ntc

go 1.26.8

require github.com/dmitryikh/leaves v0.0.0-20230708180554-25d19a787328

require (
	github.com/syumai/workers v0.30.2 // indirect
	github.com/vugu/html v0.0.0-20190914200101-c62dc20b8289 // indirect
	github.com/vugu/vugu v0.4.0 // indirect
	github.com/vugu/xxhash v0.0.0-20191111030615-ed24d0179019 // indirect
)
