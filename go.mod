module popgate

go 1.26.8
