CatalogSearch.add("t","ya",{"yamini":"2a","yang":"2a"});
