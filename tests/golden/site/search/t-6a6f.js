CatalogSearch.add("t","jo",{"jonathan":[4.17,"3_"]});
