# Every routine action has a target; the README lists them.
DATA    ?= ../shared/data/radcom
GO      ?= go
NTC     := bin/ntc
SEED    ?= 1

.PHONY: build test model cv baseline run clean

# The page (web/web.mk: web, web-test, size) and the edge API (worker/worker.mk: edge, edge-test) keep their
# own targets next to their code.
-include web/web.mk
-include worker/worker.mk
-include tools/bench/bench.mk

build:
	$(GO) build -o $(NTC) ./tools/ntc

## test: vet and run every test: Go packages, the edge API on local workerd, the page in headless Chromium
## (the competition data must be at $(DATA); Debian's chromium at /usr/bin/chromium)
test: node_modules/.bin/wrangler
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./web/... ./worker/...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz-short
	$(MAKE) web-test

## model: retrain the embedded bundles from the competition data
model: build
	$(NTC) train --task app --data $(DATA)/app_train.csv --out model/bundles/app.json --seed $(SEED) --repeats 3
	$(NTC) train --task att --data $(DATA)/att_train.csv --out model/bundles/att.json --seed $(SEED) --repeats 20

## cv: the model card's cross-validation figures
cv: build
	$(NTC) cv --task app --data $(DATA)/app_train.csv --folds 5 --repeats 3 | tail -3
	$(NTC) cv --task app --data $(DATA)/app_train.csv --folds 5 --repeats 3 --grouped | tail -3
	$(NTC) cv --task att --data $(DATA)/att_train.csv --folds 5 --repeats 20 | tail -3
	$(NTC) cv --task att --data $(DATA)/att_train.csv --folds 5 --repeats 20 --grouped | tail -3

## baseline: the seed's scikit-learn RandomForest on the same folds (needs Debian's python3-sklearn)
baseline: build
	$(NTC) folds --task app --data $(DATA)/app_train.csv --folds 5 --repeats 3 > /tmp/ntc-app-folds.csv
	$(NTC) folds --task app --data $(DATA)/app_train.csv --folds 5 --repeats 3 --grouped > /tmp/ntc-app-gfolds.csv
	$(NTC) folds --task att --data $(DATA)/att_train.csv --folds 5 --repeats 20 > /tmp/ntc-att-folds.csv
	$(NTC) folds --task att --data $(DATA)/att_train.csv --folds 5 --repeats 20 --grouped > /tmp/ntc-att-gfolds.csv
	/usr/bin/python3 tools/baseline/seed_rf.py cv --data $(DATA)/app_train.csv --label label --folds-file /tmp/ntc-app-folds.csv | tail -1
	/usr/bin/python3 tools/baseline/seed_rf.py cv --data $(DATA)/app_train.csv --label label --folds-file /tmp/ntc-app-gfolds.csv | tail -1
	/usr/bin/python3 tools/baseline/seed_rf.py cv --data $(DATA)/att_train.csv --label attribution --folds-file /tmp/ntc-att-folds.csv | tail -1
	/usr/bin/python3 tools/baseline/seed_rf.py cv --data $(DATA)/att_train.csv --label attribution --folds-file /tmp/ntc-att-gfolds.csv | tail -1

## run: build the page and serve it with the API on http://127.0.0.1:8080/
run: build web
	$(NTC) serve --addr 127.0.0.1:8080 --static dist/web

clean:
	rm -rf bin
