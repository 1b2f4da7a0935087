CatalogSearch.add("t","wo",{"workshop":[2.083,"0_"]});
