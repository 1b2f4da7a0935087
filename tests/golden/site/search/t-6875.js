CatalogSearch.add("t","hu",{"hurt":"2g"});
