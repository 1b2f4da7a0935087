CatalogSearch.add("t","jo",{"jonathan":"3j"});
