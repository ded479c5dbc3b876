module github.com/custodian-roi/custodian

go 1.26.8
