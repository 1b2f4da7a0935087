CatalogSearch.add("t","wo",{"workshop":"0R"});
